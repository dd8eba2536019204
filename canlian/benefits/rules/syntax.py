"""Tokenizer, AST and recursive-descent parser with type checking (no eval, no Python ast).

Grammar (docs/rules.md):

    rule       := or_expr
    or_expr    := and_expr ( OR and_expr )*
    and_expr   := not_expr ( AND not_expr )*
    not_expr   := NOT not_expr | comparison
    comparison := "(" rule ")" | operand [ OP operand | IN list | NOT IN list ]
    operand    := field | literal
    list       := "(" literal ( "," literal )* [","] ")"
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

from canlian.benefits.rules.vocabulary import (
    AGE_MAX,
    ALIASES,
    BOOL,
    CATEGORY,
    CJK_WORDS,
    CONSTANTS,
    DOMAINS,
    FIELDS,
    GRADE,
    INT,
    KEYWORDS,
    REGION,
    SEXES,
    STR,
    TYPE_LABELS,
    Value,
)
from canlian.core.errors import DomainError


class RuleError(DomainError):
    """A rule that does not parse or type-check; `position` is the 0-based offset of the token."""

    def __init__(self, message: str, *, position: int, token: str = "") -> None:
        super().__init__("rule_invalid", message)
        self.position = position
        self.token = token


def _fail(token: Token, problem: str, *, at_end: str = "缺少条件、取值或右括号") -> RuleError:
    # Chinese counts characters from 1; `position` stays 0-based for programs.
    if token.kind == "END":
        return RuleError(f"规则在第 {token.pos + 1} 个字符处意外结束：{at_end}",
                         position=token.pos)
    return RuleError(f"第 {token.pos + 1} 个字符处的“{token.text}”{problem}",
                     position=token.pos, token=token.text)


# ---------------------------------------------------------------- tokens

OPERATORS: dict[str, str] = {
    "==": "==", "=": "==", "＝": "==", "!=": "!=", "≠": "!=", "！＝": "!=", "<>": "!=",
    "<=": "<=", "≤": "<=", "＜＝": "<=", ">=": ">=", "≥": ">=", "＞＝": ">=",
    "<": "<", "＜": "<", ">": ">", "＞": ">",
}
_OPERATOR_TEXTS = sorted(OPERATORS, key=len, reverse=True)
_PUNCTUATION = {"(": "LPAREN", "（": "LPAREN", ")": "RPAREN", "）": "RPAREN",
                ",": "COMMA", "，": "COMMA", "、": "COMMA"}
_QUOTES = {"'": "'", '"': '"', "“": "”", "‘": "’"}
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_DIGITS = set("0123456789０１２３４５６７８９")


@dataclass(frozen=True)
class Token:
    kind: str  # NAME AND OR NOT IN NOTIN OP INT STR CONST LPAREN RPAREN COMMA END
    text: str
    pos: int
    value: Value | None = None
    const_type: str = ""

    @property
    def end(self) -> int:
        return self.pos + len(self.text)


def _is_ascii_name(ch: str, first: bool) -> bool:
    return ch.isascii() and (ch.isalpha() or ch == "_" or (not first and ch.isdigit()))


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _word_token(word: str, pos: int) -> Token:
    key = word.lower() if word.isascii() else word
    if key in KEYWORDS:
        return Token(KEYWORDS[key], word, pos)
    if key in CONSTANTS:
        const_type, value = CONSTANTS[key]
        return Token("CONST", word, pos, value, const_type)
    return Token("NAME", word, pos, ALIASES.get(key))


def _cjk_word_at(text: str, i: int) -> str | None:
    return next((w for w in CJK_WORDS if text.startswith(w, i)), None)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _PUNCTUATION:
            tokens.append(Token(_PUNCTUATION[ch], ch, i))
            i += 1
        elif (op := next((o for o in _OPERATOR_TEXTS if text.startswith(o, i)), None)):
            tokens.append(Token("OP", op, i, OPERATORS[op]))
            i += len(op)
        elif ch in _DIGITS:
            j = i
            while j < n and text[j] in _DIGITS:
                j += 1
            raw = text[i:j]
            tokens.append(Token("INT", raw, i, int(raw.translate(_FULLWIDTH_DIGITS))))
            i = j
        elif ch in _QUOTES:
            j = text.find(_QUOTES[ch], i + 1)
            if j < 0:
                raise _fail(Token("STR", ch, i), "开始的文本缺少结束引号")
            tokens.append(Token("STR", text[i:j + 1], i, text[i + 1:j]))
            i = j + 1
        elif _is_ascii_name(ch, first=True):
            j = i + 1
            while j < n and _is_ascii_name(text[j], first=False):
                j += 1
            tokens.append(_word_token(text[i:j], i))
            i = j
        elif _is_cjk(ch):
            # Chinese is written without spaces: split the run into known words, longest first;
            # an unknown stretch runs up to the next known word.
            word = _cjk_word_at(text, i)
            if word is None:
                j = i + 1
                while j < n and _is_cjk(text[j]) and _cjk_word_at(text, j) is None:
                    j += 1
                word = text[i:j]
            tokens.append(_word_token(word, i))
            i += len(word)
        else:
            raise _fail(Token("?", ch, i), "不是规则中可用的字符")
    tokens.append(Token("END", "", n))
    return tokens


# ---------------------------------------------------------------- AST


@dataclass(frozen=True)
class Node:
    start: int
    end: int


@dataclass(frozen=True)
class Flag(Node):
    """A bare boolean fact: `dibao`."""

    field: str


@dataclass(frozen=True)
class Compare(Node):
    """`field op value` or `field [not] in (values)`; values are canonical (sex as 男/女,
    regions as prefixes), literal on the right."""

    field: str
    op: str  # == != < <= > >= in notin
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class And(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    items: tuple[Node, ...]


_FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_ORDER_OPS = {"<", "<=", ">", ">="}
_LEVEL_DIGITS = (2, 4, 6, 9, 12)


# ---------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, kind: str, problem: str, at_end: str) -> Token:
        if self.tok.kind != kind:
            raise _fail(self.tok, problem, at_end=at_end)
        return self.take()

    def rule(self) -> Node:
        if self.tok.kind == "END":
            raise RuleError("规则为空：请写出条件，如 enrolable and dibao", position=0)
        node = self.or_expr()
        if self.tok.kind != "END":
            raise _fail(self.tok, "多余：条件之间请用 and（且）或 or（或）连接")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.tok.kind == "OR":
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(items[0].start, items[-1].end, tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.tok.kind == "AND":
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(items[0].start, items[-1].end, tuple(items))

    def not_expr(self) -> Node:
        if self.tok.kind == "NOT":
            token = self.take()
            operand = self.not_expr()
            return Not(token.pos, operand.end, operand)
        return self.comparison()

    def comparison(self) -> Node:
        if self.tok.kind == "LPAREN":
            opening = self.take()
            inner = self.or_expr()
            closing = self.expect("RPAREN", "之前缺少右括号“）”", "缺少右括号“）”")
            if self.tok.kind in ("OP", "IN", "NOTIN"):
                raise _fail(self.tok, "不能用于括号中的条件：比较的左边应是字段")
            return replace(inner, start=opening.pos, end=closing.end)
        left = self.operand()
        if self.tok.kind == "OP":
            op_token = self.take()
            right = self.operand()
            node = self.check_binary(left, op_token, right)
        elif self.tok.kind in ("IN", "NOTIN") or (
                self.tok.kind == "NOT" and self.tokens[self.i + 1].kind == "IN"):
            node = self.membership(left)
        else:
            node = self.check_bare(left)
        if self.tok.kind in ("OP", "IN", "NOTIN"):
            raise _fail(self.tok, "不能连续比较：请用 and 连接两个比较")
        return node

    def operand(self) -> Token:
        token = self.tok
        if token.kind == "NAME":
            if token.value is None:
                raise _unknown_field(token)
            return self.take()
        if token.kind in ("INT", "STR", "CONST"):
            return self.take()
        raise _fail(token, "不能出现在这里：此处应为字段或常量")

    def membership(self, left: Token) -> Node:
        negated = self.tok.kind != "IN"
        op_token = self.take()
        if op_token.kind == "NOT":
            self.take()
        if left.kind != "NAME":
            raise _fail(left, "不是字段：in 的左边应是字段，如 grade in (1, 2)")
        spec = FIELDS[str(left.value)]
        if spec.type == BOOL:
            raise _fail(op_token, f"不能用于是/否字段“{left.text}”")
        self.expect("LPAREN", "之前缺少“(”：in 后面写括号中的取值，如 (1, 2)",
                    "in 后面缺少括号中的取值，如 (1, 2)")
        values: list[Value] = []
        while True:
            literal = self.take()
            if literal.kind not in ("INT", "STR", "CONST"):
                raise _fail(literal, "不是常量：括号中应为取值，用逗号分隔")
            values.append(_check_value(spec.name, left, literal))
            separator = self.take()
            if separator.kind == "COMMA" and self.tok.kind == "RPAREN":
                separator = self.take()
            if separator.kind == "RPAREN":
                break
            if separator.kind != "COMMA":
                raise _fail(separator, "之前缺少逗号或右括号")
        op = "notin" if negated else "in"
        return Compare(left.pos, separator.end, spec.name, op, tuple(values))

    def check_bare(self, token: Token) -> Node:
        if token.kind != "NAME":
            raise _fail(token, "不能单独作为条件：请与字段比较，如 grade == 1")
        spec = FIELDS[str(token.value)]
        if spec.type != BOOL:
            raise _fail(token, f"是{TYPE_LABELS[spec.type]}字段，不能单独作为条件，"
                               f"请写比较，如 {_example(spec.name)}")
        return Flag(token.pos, token.end, spec.name)

    def check_binary(self, left: Token, op_token: Token, right: Token) -> Node:
        op = str(op_token.value)
        if left.kind == "NAME" and right.kind == "NAME":
            raise _fail(right, "是字段：字段只能与常量比较")
        if left.kind != "NAME" and right.kind != "NAME":
            raise _fail(left, "不是字段：比较的一边应是字段，如 age >= 18")
        field, literal = (left, right) if left.kind == "NAME" else (right, left)
        if field is right:
            op = _FLIPPED[op]
        spec = FIELDS[str(field.value)]
        start, end = min(left.pos, right.pos), max(left.end, right.end)
        if spec.type == BOOL:
            if op not in ("==", "!="):
                raise _fail(op_token, f"不能用于是/否字段“{field.text}”，只能用 == 或 !=")
            if literal.const_type != BOOL:
                raise _fail(literal, f"不能与是/否字段“{field.text}”比较，应为 true/false（是/否）")
            flag = Flag(field.pos, field.end, spec.name)
            return flag if (op == "==") == literal.value else Not(start, end, flag)
        if op in _ORDER_OPS and spec.type in (STR, REGION):
            raise _fail(op_token, f"不能用于文本字段“{field.text}”，只能用 ==、!=、in、not in")
        value = _check_value(spec.name, field, literal)
        return Compare(start, end, spec.name, op, (value,))


def _check_value(name: str, field: Token, literal: Token) -> Value:
    """The literal's value as the field stores it, or a RuleError at the literal."""
    spec = FIELDS[name]
    kind = literal.const_type or literal.kind.lower()
    value = literal.value
    assert value is not None
    if spec.type == BOOL or kind == BOOL:
        raise _fail(literal, f"不能与{TYPE_LABELS[spec.type]}字段“{field.text}”比较")
    if spec.type in (INT, CATEGORY, GRADE):
        if kind in (CATEGORY, GRADE) and kind != spec.type:
            raise _fail(literal, f"是{TYPE_LABELS[kind]}，不能与“{field.text}”比较")
        if kind == STR:
            raise _fail(literal, f"是文本，不能与数值字段“{field.text}”比较")
        number = int(value)
        if spec.type == INT and not 0 <= number <= AGE_MAX:
            raise _fail(literal, f"超出范围：年龄应在 0 到 {AGE_MAX} 之间")
        if spec.type in DOMAINS and number not in DOMAINS[spec.type]:
            raise _fail(literal, f"超出范围：{TYPE_LABELS[spec.type]}")
        return number
    if kind != STR:
        raise _fail(literal, f"不是文本，不能与文本字段“{field.text}”比较（文本请加引号）")
    text = str(value)
    if spec.name == "sex" and text not in SEXES:
        raise _fail(literal, "不是有效的性别：应为“男”或“女”")
    if spec.type == REGION:
        if not (text.isascii() and text.isdigit() and 2 <= len(text) <= 12):
            raise _fail(literal, "不是区划代码：应为 2 到 12 位数字，如 \"520322101\"")
        return region_prefix(text)
    return text


def region_prefix(code: str) -> str:
    """A 12-digit code stands for its region: drop the trailing zeros of its level."""
    if len(code) == 12:
        return next(code[:d] for d in _LEVEL_DIGITS if set(code[d:]) <= {"0"})
    return code


def _example(name: str) -> str:
    return {"age": "age >= 18", "category": "category == 4", "grade": "grade in (1, 2)",
            "region": 'region in ("520322101")'}.get(name, f'{name} == "…"')


def _unknown_field(token: Token) -> RuleError:
    close = difflib.get_close_matches(token.text.lower(), list(ALIASES), n=1, cutoff=0.6)
    hint = f"，是否指“{close[0]}”？" if close else ""
    known = "、".join(FIELDS)
    return _fail(token, f"不是已知字段{hint}（可用：{known}）")


def parse_tree(text: str) -> Node:
    return _Parser(text).rule()


def fields_of(node: Node) -> frozenset[str]:
    if isinstance(node, Flag | Compare):
        return frozenset({node.field})
    if isinstance(node, Not):
        return fields_of(node.operand)
    assert isinstance(node, And | Or)
    return frozenset().union(*(fields_of(item) for item in node.items))
