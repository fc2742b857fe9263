"""One module per `bptt` subcommand: HELP, add_arguments(parser), run(args) -> int."""
