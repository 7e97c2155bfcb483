# Sourced by the scripts: exports the connection settings that scripts/local-up wrote to .local/env,
# leaving anything already set in the environment as it is.
SPIRAL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SPIRAL_STATE="${SPIRAL_STATE_DIR:-$SPIRAL_ROOT/.local}"
if [ -f "$SPIRAL_STATE/env" ]; then
  while IFS='=' read -r name value; do
    [ -n "$name" ] && [ -z "${!name:-}" ] && export "$name=${value//\"/}"
  done < "$SPIRAL_STATE/env"
fi
