#!/usr/bin/env bash
# Compile the 835 reader's hot modules with mypyc, in place, inside a copy of the remitflow package.
# The .py files stay beside the compiled ones: Python imports the compiled module where there is one
# built for its own version and machine, and the .py everywhere else.
# Usage: compile_reader.sh DIR PYTHON   (DIR holds remitflow/; PYTHON has mypy and setuptools)
set -euo pipefail
dir=$1
python="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
cd "$dir"
# Every module of the 835 reader but its pydantic models and problem types (test_compiled_reader.py checks).
modules=(
  remitflow/x12/tokenizer.py remitflow/x12/values.py remitflow/x12/codes.py remitflow/x12/elements.py
  remitflow/x12/builders.py remitflow/x12/fast_paths.py remitflow/x12/state.py remitflow/x12/claims.py
  remitflow/x12/envelope.py remitflow/x12/segments.py remitflow/x12/balancing.py remitflow/x12/offsets.py
  remitflow/x12/parser.py
)
# The project's mypy settings point at the source tree; the copy is checked on its own.
"$python" -m mypyc --config-file= --strict --python-version "$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')" "${modules[@]}" >/dev/null
rm -rf build
