#!/usr/bin/env python3
"""Every module a target imports is one it declares in Package.swift (the check
`--explicit-target-dependency-import-check error` makes on Darwin; SwiftPM does not run it on
Linux). Prints each target's undeclared imports and exits 1 when there are any."""
import glob
import json
import re
import subprocess
import sys

PLATFORM = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc", "Musl", "Darwin", "Dispatch",
            "Synchronization", "Testing", "XCTest", "PackageDescription", "WinSDK", "os"}
package = json.loads(subprocess.run(["swift", "package", "dump-package"], capture_output=True, text=True,
                                    check=True).stdout)
failed = False
for target in package["targets"]:
    name = target["name"]
    path = target.get("path") or ("Tests/" if target["type"] == "test" else "Sources/") + name
    declared = {value[0] for dependency in target["dependencies"] for value in dependency.values()}
    imported = set()
    for file in glob.glob(path + "/**/*.swift", recursive=True):
        for line in open(file, encoding="utf-8"):
            match = re.match(r"\s*(?:@testable |@_exported )?(?:public |package |internal )?import "
                             r"(?:struct |enum |class |func |protocol )?([A-Za-z_][A-Za-z0-9_]*)", line)
            if match:
                imported.add(match.group(1))
    missing = sorted(imported - declared - PLATFORM - {name})
    if missing:
        failed = True
        print(f"{name} imports {', '.join(missing)} without declaring it in Package.swift")
sys.exit(1 if failed else 0)
