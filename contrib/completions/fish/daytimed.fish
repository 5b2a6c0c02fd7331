function __daytimed_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __daytimed_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __daytimed_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __daytimed_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __daytimed_parse_tokens -S
    set -l unparsed_tokens (__daytimed_tokens -pc)
    switch $unparsed_tokens[1]
    case 'daytimed'
        __daytimed_parse_subcommand 0 'host=+' 'config=' 'check-config' 'daytime-port=' 'time-port=' 'ntp-port=' 'ntp-upstream=+' 'ntp-local-stratum=' 'ntp-kod' 'ntp-leak=' 'daytime-transports=' 'time-transports=' 'blocked-source-ports=' 'format=' 'nist-label=' 'nist-advance=' 'leap-seconds-file=' 'clock-healthy-max-error=' 'clock-wrong-est-error=' 'when-unsynchronized=' 'timezone=' 'log-level=' 'allow=+' 'deny=+' 'rate-limit=' 'rate-burst=' 'rate-limit-table=' 'rate-limit-ipv6-prefix=' 'rate-limit-exempt=+' 'udp-max-rate=' 'threads=' 'backlog=' 'shutdown-timeout=' 'inetd=' 'user=' 'group=' 'daytime-proxy-port=' 'time-proxy-port=' 'proxy-trusted=+' 'proxy-header-timeout=' 'proxy-max-pending=' 'reuse-port' 'lingering-close=' 'access-log=' 'access-log-format=' 'metrics-address=' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __daytimed_parse_subcommand -r 1 'version'
        end
    end
end

function __daytimed_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __daytimed_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __daytimed_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __daytimed_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__daytimed_tokens -p)
    if test -z "$(__daytimed_tokens -t)"
        set -l index (count (__daytimed_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'daytimed' -f
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed"' -l 'host' -d 'An address (or name) to listen on; repeat for several. Default: every IPv4 and IPv6 address.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" config' -l 'config' -d 'A configuration file, JSON (.json) or YAML (.yaml, .yml), whose keys are these flags\' names. Flags win over environment variables (DAYTIMED_ and the key), which win over the file. Also DAYTIMED_CONFIG. SIGHUP reads it again.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" check-config' -l 'check-config' -d 'Check the settings (flags, environment, file), print each with where it came from, and exit.'
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" daytime-port' -l 'daytime-port' -d 'Daytime port: a number, 0 for any free port, or off.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" time-port' -l 'time-port' -d 'Time port: a number, 0 for any free port, or off.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" ntp-port' -l 'ntp-port' -d 'SNTP port (UDP): a number, 0 for any free port, or off. (default: off)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed"' -l 'ntp-upstream' -d 'An NTP server that disciplines this clock (a local chronyd or ntpd), polled for what NTP answers say: HOST, HOST:PORT or [IPv6]:PORT; repeat for several.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" ntp-local-stratum' -l 'ntp-local-stratum' -d 'Serve the local clock at this stratum (1-15) when no upstream is synchronized, as chrony\'s local stratum; off to answer unsynchronized instead. (default: off)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" ntp-kod' -l 'ntp-kod' -d 'Answer NTP clients over the rate limit with a Kiss-o\'-Death RATE instead of nothing.'
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" ntp-leak' -l 'ntp-leak' -d 'Over the rate limit, still answer one NTP request in this many (0: none), so that a flood forged with a victim\'s address cannot cut the victim off. (default: 4)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" daytime-transports' -l 'daytime-transports' -d 'Transports for daytime: tcp, udp, or tcp,udp.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" time-transports' -l 'time-transports' -d 'Transports for time: tcp, udp, or tcp,udp.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" blocked-source-ports' -l 'blocked-source-ports' -d 'UDP source ports that never get an answer, comma-separated: services that answer anything, so answering them would start a packet loop. Port 0 is always blocked.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" format' -l 'format' -d 'Layout of the daytime line: ctime, rfc3339, rfc3339.3, rfc3339.6, rfc3339.9, rfc2822, nist, or a pattern such as \'%F %T.%3N %z\' (fields: docs/FORMATS.md).' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" nist-label' -l 'nist-label' -d 'Label of the nist format in the place of UTC(NIST): we are not NIST. (default: UTC(daytimed))' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" nist-advance' -l 'nist-advance' -d 'Milliseconds the nist line is stamped ahead of the clock, for the network delay; stated in msADV. (default: 0)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" leap-seconds-file' -l 'leap-seconds-file' -d 'The tz database\'s leap-second list, for the nist line\'s L, or none. (default: /usr/share/zoneinfo/leap-seconds.list)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" clock-healthy-max-error' -l 'clock-healthy-max-error' -d 'A synchronized clock whose maximum error (the kernel\'s, or the SNTP upstream\'s root distance) is at most this many milliseconds is healthy (H=0). (default: 1000)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" clock-wrong-est-error' -l 'clock-wrong-est-error' -d 'A clock whose estimated error exceeds this many milliseconds is wrong (H=2): unsynchronized. (default: 5000)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" when-unsynchronized' -l 'when-unsynchronized' -d 'While the clock is unsynchronized, answer Daytime and Time anyway, or refuse: close TCP without a byte and give UDP nothing (SNTP says unsynchronized either way). (default: answer)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" timezone' -l 'timezone' -d 'Zone of the daytime line: local, UTC, or an IANA name such as Europe/London.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" log-level' -l 'log-level' -d 'Least severe message to log: trace, debug, info (a line per connection), notice, warning, error, critical.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed"' -l 'allow' -d 'Answer only sources in this range (CIDR, such as 192.0.2.0/24 or 2001:db8::/32); repeat for several. Default: every source not denied.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed"' -l 'deny' -d 'Never answer sources in this range (CIDR); repeat for several. Deny wins over --allow.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" rate-limit' -l 'rate-limit' -d 'Answers a second per source (IPv6: per --rate-limit-ipv6-prefix), TCP and UDP together, or off. Over it, datagrams are dropped and connections closed without an answer.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" rate-burst' -l 'rate-burst' -d 'Answers a source may take in a row before --rate-limit applies.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" rate-limit-table' -l 'rate-limit-table' -d 'Sources the rate limiter remembers at most (a fixed table: a flood of forged sources cannot grow it).' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" rate-limit-ipv6-prefix' -l 'rate-limit-ipv6-prefix' -d 'IPv6 sources are limited per prefix of this length.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed"' -l 'rate-limit-exempt' -d 'A range exempt from --rate-limit and --udp-max-rate (not from --allow/--deny); repeat for several. Default: loopback (127.0.0.0/8, ::1). Give \'none\' to exempt nobody.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" udp-max-rate' -l 'udp-max-rate' -d 'UDP answers a second to all non-exempt sources together, or off: the most this server can be made to reflect (26 bytes a line).' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" threads' -l 'threads' -d 'Accepting threads; the default is one per CPU this process may use.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" backlog' -l 'backlog' -d 'Queue length of each listening socket (capped by net.core.somaxconn). (default: 4096)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" shutdown-timeout' -l 'shutdown-timeout' -d 'Seconds a graceful stop (SIGTERM, SIGINT) may take before what is left is cancelled. (default: 10)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" inetd' -l 'inetd' -d 'Run from inetd: answer the TCP connection (nowait) or the UDP datagrams (wait) on standard input as this service, then exit.' -rfka 'daytime time'
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" user' -l 'user' -d 'After binding, run as this user (name or uid), without supplementary groups; exit if that fails. Needs root at start.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" group' -l 'group' -d 'With --user: the group to run as. Default: the user\'s primary group.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" daytime-proxy-port' -l 'daytime-proxy-port' -d 'Daytime port behind a load balancer: each connection must start with a PROXY protocol header (v1 or v2) from --proxy-trusted. A number, 0 for any free port, or off. (default: off)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" time-proxy-port' -l 'time-proxy-port' -d 'Time port behind a load balancer, as --daytime-proxy-port. (default: off)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed"' -l 'proxy-trusted' -d 'A load balancer\'s range (CIDR) allowed to send PROXY headers; repeat for several. Required with a proxy port: nothing is trusted by default.' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" proxy-header-timeout' -l 'proxy-header-timeout' -d 'Seconds a connection to a proxy port has for its whole header before it is closed. (default: 3)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" proxy-max-pending' -l 'proxy-max-pending' -d 'Connections to proxy ports that may wait for their header at once; more are closed. (default: 4096)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" reuse-port' -l 'reuse-port' -d 'Set SO_REUSEPORT, so that several daytimed processes can serve the same ports on one host.'
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" lingering-close' -l 'lingering-close' -d 'Seconds an answered TCP connection may stay open for a client that sent something before reading (the FIN goes out with the answer; the close waits for the client\'s), so that the close is no reset; or off. (default: off)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" access-log' -l 'access-log' -d 'Write a line per answer or refusal to this file, or - for standard error. (default: off)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" access-log-format' -l 'access-log-format' -d 'Layout of access-log lines: text or json. (default: text)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" metrics-address' -l 'metrics-address' -d 'Serve Prometheus metrics on http://HOST:PORT/metrics and health on /healthz, such as 127.0.0.1:9813 or [::1]:9813. (default: off)' -rfka ''
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" version' -l 'version' -d 'Show the version.'
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_positional "daytimed" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'daytimed' -n '__daytimed_should_offer_completions_for_flags_or_options "daytimed help" version' -l 'version' -d 'Show the version.'
