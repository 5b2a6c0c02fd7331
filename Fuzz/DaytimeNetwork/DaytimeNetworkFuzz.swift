// DaytimeNetwork's fuzz targets, by the name FUZZ_TARGET gives them (Fuzz/Shared/FuzzEntry.swift).
let fuzzTargets: [FuzzTarget] = [
    ("address", fuzzAddress),
    ("proxy-header", fuzzProxyHeader),
]
