function __daytime_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __daytime_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __daytime_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __daytime_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __daytime_parse_tokens -S
    set -l unparsed_tokens (__daytime_tokens -pc)
    switch $unparsed_tokens[1]
    case 'daytime'
        __daytime_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'query'
            __daytime_parse_subcommand -r 1 'port=' 'protocol=' 'udp' 'timeout=' '4' '6' 'samples=' 'precise' 'json' 'q/quiet' 'time-zone=' 'set' 'dry-run' 'max-step=' 'slew-limit=' 'force' 'version' 'h/help'
        case 'bench'
            __daytime_parse_subcommand 1 'port=' 'protocol=' 'udp' 'timeout=' '4' '6' 'concurrency=' 'rate=' 'duration=' 'requests=' 'threads=' 'no-spread' 'udp-socket-per-request' 'json' 'version' 'h/help'
        case 'help'
            __daytime_parse_subcommand -r 1 'version'
        end
    end
end

function __daytime_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __daytime_parse_subcommand -S -a positional_count
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

function __daytime_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __daytime_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__daytime_tokens -p)
    if test -z "$(__daytime_tokens -t)"
        set -l index (count (__daytime_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'daytime' -f
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime" version' -l 'version' -d 'Show the version.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_positional "daytime" -eq 1' -fa 'query' -d 'Ask servers for the time, and print the offset of the local clock (the default).'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_positional "daytime" -eq 1' -fa 'bench' -d 'Load a server and report answers per second, errors by kind, and latency percentiles.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_positional "daytime" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" port' -l 'port' -d 'The servers\' port, for targets that name none. (default: 13 for daytime, 37 for time, 123 for ntp)' -rfka ''
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" protocol' -l 'protocol' -d 'The protocol, for targets that name none: daytime (RFC 867, text), time (RFC 868, binary) or ntp (SNTP, RFC 4330, over UDP).' -rfka 'daytime time ntp'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" udp' -l 'udp' -d 'Ask over UDP instead of TCP, for targets that name no transport (NTP is always UDP).'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" timeout' -l 'timeout' -d 'Seconds to wait for one whole exchange: name lookup, connection and answer.' -rfka ''
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" 4' -s '4' -d 'Use IPv4 only.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" 6' -s '6' -d 'Use IPv6 only.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" samples' -l 'samples' -d 'Ask each server this many times and keep the answer with the smallest round trip.' -rfka ''
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" precise' -l 'precise' -d 'Daytime and Time servers: find when the server\'s second changes, to narrow the bound from ±0.5 s to milliseconds (at most 12 queries in 3 s per server; servers asked one after another).'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" json' -l 'json' -d 'Print JSON: one object for one server; for several, {"servers":[...],"combined":{...}}.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" q quiet' -l 'quiet' -s 'q' -d 'Print nothing; the exit status tells the result.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" time-zone' -l 'time-zone' -d 'The zone in which to read a line that states none (ctime lines such as \'Fri May  7 20:36:52 2021\'): an IANA name such as Europe/London, UTC, or a POSIX TZ rule. (default: the local zone)' -rfka ''
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" set' -l 'set' -d 'Correct the local clock by the measured offset (root only).'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" dry-run' -l 'dry-run' -d 'With --set (implied): print what would be done to the clock, and do nothing.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" max-step' -l 'max-step' -d 'The largest step --set takes without --force, in seconds.' -rfka ''
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" slew-limit' -l 'slew-limit' -d 'The largest offset --set corrects by slewing rather than stepping, in seconds.' -rfka ''
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" force' -l 'force' -d 'Let --set step the clock by more than --max-step.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" version' -l 'version' -d 'Show the version.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime query" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" port' -l 'port' -d 'The servers\' port, for targets that name none. (default: 13 for daytime, 37 for time, 123 for ntp)' -rfka ''
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" protocol' -l 'protocol' -d 'The protocol, for targets that name none: daytime (RFC 867, text), time (RFC 868, binary) or ntp (SNTP, RFC 4330, over UDP).' -rfka 'daytime time ntp'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" udp' -l 'udp' -d 'Ask over UDP instead of TCP, for targets that name no transport (NTP is always UDP).'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" timeout' -l 'timeout' -d 'Seconds to wait for one whole exchange: name lookup, connection and answer.' -rfka ''
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" 4' -s '4' -d 'Use IPv4 only.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" 6' -s '6' -d 'Use IPv6 only.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" concurrency' -l 'concurrency' -d 'Transactions in flight at most (closed loop: always), over all threads.' -rfka ''
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" rate' -l 'rate' -d 'Open loop: start this many transactions per second, on schedule. (default: closed loop)' -rfka ''
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" duration' -l 'duration' -d 'Seconds to run for. (default: 5, or no limit when --requests is given)' -rfka ''
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" requests' -l 'requests' -d 'Stop after this many transactions, answered or failed. (default: no limit)' -rfka ''
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" threads' -l 'threads' -d 'Load-generating threads. (default: the CPUs this process may use, at most --concurrency)' -rfka ''
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" no-spread' -l 'no-spread' -d 'Do not spread TCP connections to a loopback target over 127.0.0.2 and up.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" udp-socket-per-request' -l 'udp-socket-per-request' -d 'UDP: a new socket for every transaction, as shared/bench/loadgen does (default: one per slot).'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" json' -l 'json' -d 'Print the report as one JSON object.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" version' -l 'version' -d 'Show the version.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime bench" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'daytime' -n '__daytime_should_offer_completions_for_flags_or_options "daytime help" version' -l 'version' -d 'Show the version.'
