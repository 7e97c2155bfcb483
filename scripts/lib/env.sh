# Sourced by the scripts: exports the connection settings that scripts/local-up wrote to .local/env,
# leaving anything already set in the environment as it is.
SPIRAL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SPIRAL_STATE="${SPIRAL_STATE_DIR:-$SPIRAL_ROOT/.local}"
if [ -f "$SPIRAL_STATE/env" ]; then
  # An if, not an && chain: a chain that stops at a variable already set returns 1, which ends a `set -e` script
  # without a word when that variable is the file's last one.
  while IFS='=' read -r name value; do
    if [ -n "$name" ] && [ -z "${!name:-}" ]; then
      export "$name=${value//\"/}"
    fi
  done < "$SPIRAL_STATE/env"
fi
