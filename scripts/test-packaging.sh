#!/usr/bin/env bash
# Runs the packaging test (about 1.5 min, so it is skipped in the normal test run): packs src/Mpt.Cli as a .NET tool,
# installs it with `dotnet tool install --tool-path TMP --add-source PACKDIR Mpt.Cli`, checks that `TMP/mpt --help`
# lists every verb on one line and that the installed tool loads libtorch (the packed libLibTorchSharp.so is the
# patched one from the publish output; see Directory.Build.targets and docs/cli.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dotnet build -c Release tests/Mpt.Tests >/dev/null
MPT_RUN_PACKAGING=1 dotnet test -c Release --no-build tests/Mpt.Tests --filter "Category=Packaging" "$@"
