"""Checks az command lines against the real Azure CLI's own argument tables, without running them.

Run by the interpreter of .venv-az (azure-cli from Tests/requirements-az.txt, installed by make test), not by
pytest's: reads a JSON list of argv lists (without the leading "az") on stdin, writes a JSON list with one
verdict per command line: null when the az CLI's parser accepts it, else its error message. Each line goes
through what `az` does before running a command: the command table of the module that owns it (the CLI's
command index loads only that one), its arguments, and the argparse parser built from them, so an unknown
command, a removed or misspelt flag, a missing required argument or an invalid choice is rejected exactly as
`az` would reject it. Nothing is sent anywhere: parsing stops before any command runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile


def main() -> int:
    # A throwaway configuration folder, no telemetry, no colour: nothing of the user's az is read or written.
    os.environ["AZURE_CONFIG_DIR"] = tempfile.mkdtemp(prefix="az-cli-check-")
    os.environ["AZURE_CORE_COLLECT_TELEMETRY"] = "no"
    os.environ["AZURE_CORE_NO_COLOR"] = "true"
    from azure.cli.core import get_default_cli

    def verdict(argv: list[str]) -> str | None:
        cli = get_default_cli()
        invocation = cli.invocation_cls(cli_ctx=cli, parser_cls=cli.parser_cls,
                                        commands_loader_cls=cli.commands_loader_cls, help_cls=cli.help_cls)
        cli.invocation = invocation
        loader = invocation.commands_loader
        messages = io.StringIO()
        with contextlib.redirect_stderr(messages), contextlib.redirect_stdout(messages):
            table = loader.load_command_table(argv)
            command = invocation._rudimentary_get_command(argv)  # what `az` itself uses to pick the command
            if command not in table:
                return f"'{' '.join(argv[:4])}' is not an az command"
            invocation.data["command_string"] = command
            loader.command_name = command
            loader.load_arguments(command)
            invocation.parser.cli_ctx = cli
            invocation.parser.load_command_table(loader)
            try:
                invocation.parser.parse_args(argv)
            except SystemExit:
                lines = [line for line in messages.getvalue().splitlines() if line.strip()]
                return lines[0] if lines else "rejected"
        return None

    commands = json.load(sys.stdin)
    json.dump([verdict(argv) for argv in commands], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
