// DaytimeServer: filled in below.
