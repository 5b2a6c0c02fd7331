// DaytimeClient's fuzz targets, by the name FUZZ_TARGET gives them (Fuzz/Shared/FuzzEntry.swift).
let fuzzTargets: [FuzzTarget] = [
    ("server-target", fuzzServerTarget),
    ("sntp-answer", fuzzSNTPAnswer),
]
