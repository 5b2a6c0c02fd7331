// DaytimeClient: filled in below.
