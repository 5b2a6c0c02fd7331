// DaytimeCore's fuzz targets, by the name FUZZ_TARGET gives them (Fuzz/Shared/FuzzEntry.swift).
let fuzzTargets: [FuzzTarget] = [
    ("daytime-line", fuzzDaytimeLine),
    ("time-protocol", fuzzTimeProtocol),
    ("time-zone", fuzzTimeZone),
    ("leap-seconds", fuzzLeapSeconds),
    ("pattern", fuzzPattern),
    ("sntp-request", fuzzSNTPRequest),
]
