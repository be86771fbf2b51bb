#!/usr/bin/env bash
# The library package check (CI runs it from .ci/run): the README's C# sample is the very file
# samples/ReadmeSample/Program.cs (checked line for line), and it compiles and runs against the packed Mpt package.
#   1. the csharp block after "<!-- readme-sample -->" in README.md equals samples/ReadmeSample/Program.cs;
#   2. dotnet pack src/Mpt into a temporary local feed, under a version of its own (so the NuGet folder never serves a
#      stale copy; that copy is removed again at the end); the package must not depend on a native libtorch package,
#      nor on a plotting one (the report's rendering is in src/Mpt.Apps);
#   3. the sample is copied out of the repository (none of the repository's build settings apply), restored from the
#      local feed plus nuget.org, built, and run; its two predictions must be the expected labels.
# Prints a "Passed: N / Failed: N" line that .ci/run adds to its totals.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# unzip reads the package; a fresh image may lack it (harmless when installed).
if ! command -v unzip >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq unzip) >/dev/null 2>&1 || { echo "unzip is missing and could not be installed" >&2; exit 1; }
fi

work=$(mktemp -d)
version="0.1.0-local.$(date +%s)"
packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
finish() {
  status=$?
  rm -rf "$work" "$packages/mpt/$version"
  if [ "$status" -eq 0 ]; then echo "library package check: Failed: 0, Passed: 1"; else echo "library package check: Failed: 1, Passed: 0"; fi
  exit "$status"
}
trap finish EXIT

# 1. The README shows exactly the sample's program.
block=$(awk '/<!-- readme-sample -->/ {found = 1; next} found && /^```csharp/ {inside = 1; next} inside && /^```/ {exit} inside {print}' README.md)
if [ -z "$block" ]; then echo "README.md: no csharp block after <!-- readme-sample -->" >&2; exit 1; fi
if ! diff -u samples/ReadmeSample/Program.cs <(printf '%s\n' "$block"); then
  echo "README.md: the sample block differs from samples/ReadmeSample/Program.cs (diff above)" >&2
  exit 1
fi

# 2. Pack the library (built in Release, as CI has just done; a no-op build then).
dotnet build src/Mpt -c Release -v quiet -nologo >/dev/null
dotnet pack src/Mpt -c Release --no-build -p:PackageVersion="$version" -o "$work/feed" -v quiet -nologo >/dev/null
nupkg="$work/feed/Mpt.$version.nupkg"
[ -f "$nupkg" ] || { echo "dotnet pack wrote no $nupkg" >&2; exit 1; }
nuspec=$(unzip -p "$nupkg" Mpt.nuspec)
if grep -qi '<dependency id="libtorch' <<<"$nuspec"; then echo "the Mpt package depends on a libtorch package; the application must choose it" >&2; exit 1; fi
# The report's plotting (ScottPlot, SkiaSharp) is part of the CLI's apps assembly (src/Mpt.Apps), not of the library.
if grep -qiE '<dependency id="(ScottPlot|SkiaSharp)' <<<"$nuspec"; then echo "the Mpt package depends on a plotting package; report rendering belongs to src/Mpt.Apps" >&2; exit 1; fi
# (The listing is read whole first: grep -q on a pipe would stop unzip early, and pipefail would count that as a miss.)
listing=$(unzip -l "$nupkg")
for entry in lib/net10.0/Mpt.dll lib/net10.0/Mpt.xml buildTransitive/Mpt.targets README.md; do
  grep -q " $entry\$" <<<"$listing" || { echo "the Mpt package lacks $entry" >&2; exit 1; }
done

# 3. Build and run the sample against the package.
cp -r samples/ReadmeSample "$work/ReadmeSample"
cat > "$work/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
</configuration>
CONFIG
dotnet restore "$work/ReadmeSample" --configfile "$work/nuget.config" -p:MptVersion="$version" -v quiet -nologo
dotnet build "$work/ReadmeSample" -c Release --no-restore -p:MptVersion="$version" -v quiet -nologo >/dev/null
output=$(cd "$work" && dotnet ReadmeSample/bin/Release/net10.0/linux-x64/ReadmeSample.dll)
echo "$output"
grep -q '^What a delightful surprise\. -> positive (' <<<"$output" || { echo "the sample did not label the positive review positive" >&2; exit 1; }
grep -q '^Dull, slow and far too long\. -> negative (' <<<"$output" || { echo "the sample did not label the negative review negative" >&2; exit 1; }
