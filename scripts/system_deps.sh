#!/usr/bin/env bash
# Debian packages the tests need, installed only when missing: chromium (driven by Playwright,
# STACK.md §3), CJK fonts (without them every Chinese character renders as a box), PostgreSQL
# server binaries for the throw-away test cluster, and npm for the axe-core checker.
set -euo pipefail
need=()
for pkg in chromium fonts-noto-cjk; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
command -v npm >/dev/null 2>&1 || need+=(npm)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "缺少系统软件包：${need[*]}。请以 root 运行 make test，或执行：sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "安装系统软件包：${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
