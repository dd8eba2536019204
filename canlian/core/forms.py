"""Forms of the core app: parsing and field-level checks only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms

from canlian.core.errors import DomainError
from canlian.core.models import AuditAction
from canlian.core.roles import Role


class DomainErrorFormMixin:
    """Show a service's DomainError on the field it names (or on the form)."""

    def add_domain_error(self, error: DomainError) -> None:
        field = error.field if error.field in self.fields else None  # type: ignore[attr-defined]
        self.add_error(field, error.message)  # type: ignore[attr-defined]


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(
        label="密码", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp = forms.CharField(
        label="动态验证码（选填）", required=False, max_length=20,
        help_text="已绑定手机验证器的账户可在此一并填写；不填则在下一步输入。",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class OtpForm(DomainErrorFormMixin, forms.Form):
    code = forms.CharField(
        label="动态验证码", max_length=20,
        help_text="手机验证器 App 当前显示的 6 位数字；手机丢失时可输入一个恢复码。",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class OtpResetForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)


class PasswordChangeForm(DomainErrorFormMixin, forms.Form):
    old_password = forms.CharField(
        label="原密码", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="新密码", strip=False,
        help_text="至少 8 位，且包含大写字母、小写字母、数字、符号中的至少三类。",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label="再次输入新密码", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", "两次输入的新密码不一致。")
        return data


class PasswordResetForm(DomainErrorFormMixin, forms.Form):
    password = forms.CharField(
        label="临时密码", strip=False,
        help_text="至少 8 位，且包含大写字母、小写字母、数字、符号中的至少三类。"
                  "该账户下次登录时须改为自己的密码。",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="再次输入临时密码", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "两次输入的密码不一致。")
        return data


class RejectForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label="驳回理由", max_length=200)


class UserForm(DomainErrorFormMixin, forms.Form):
    username = forms.RegexField(
        label="用户名", max_length=150, regex=r"^[A-Za-z0-9_.-]+$",
        help_text="字母、数字、下划线、点或短横线。",
        error_messages={"invalid": "用户名只能包含字母、数字、下划线、点或短横线。"},
    )
    name = forms.CharField(label="姓名", max_length=50)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region = forms.ChoiceField(label="管辖区域", help_text="该账户可以查看的区划范围。")
    phone = forms.CharField(label="手机号", max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel",
                                                          "autocomplete": "off"}))
    id_number = forms.CharField(label="身份证号", max_length=30, required=False,
                                help_text="居民账户用于关联本人档案，工作人员可不填。",
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    password = forms.CharField(
        label="初始密码", strip=False, required=True,
        help_text="至少 8 位，且包含大写字母、小写字母、数字、符号中的至少三类。"
                  "首次登录时须改为自己的密码。",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    is_active = forms.BooleanField(label="账户有效", required=False, initial=True)

    def __init__(self, *args: Any, region_choices: list[tuple[str, str]], editing: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices
        if editing:
            del self.fields["password"]
            self.fields["username"].disabled = True
        else:
            del self.fields["is_active"]


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(label="开始日期", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="结束日期", required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    action = forms.ChoiceField(label="操作", required=False,
                               choices=[("", "全部"), *AuditAction.choices])
    username = forms.CharField(label="操作人账号", required=False, max_length=150)
    object_type = forms.ChoiceField(label="对象类型", required=False)
    object_id = forms.CharField(label="对象编号", required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from canlian.core.auditview import object_type_choices

        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "全部"), *object_type_choices()]


class UserFilterForm(forms.Form):
    q = forms.CharField(label="用户名或姓名", required=False, max_length=50)
    role = forms.ChoiceField(label="角色", required=False, choices=[("", "全部"), *Role.choices])
