"""The `agentft` command line. User errors print one line (`file: $.path: problem`) and exit with code 2."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from agentft.cli.common import console, err_console
from agentft.core.errors import AgentftError

app = typer.Typer(
    name="agentft",
    help="LoRA-as-Tools: build tool-calling datasets, train adapters, route, serve and evaluate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        from agentft import __version__

        console.print(f"agentft {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """LoRA-as-Tools: build tool-calling datasets, train adapters, route, serve and evaluate."""


from agentft.cli.agent import agent_app  # noqa: E402
from agentft.cli.bench import bench_app  # noqa: E402
from agentft.cli.dataset import build_dataset_cmd  # noqa: E402
from agentft.cli.demo import demo  # noqa: E402
from agentft.cli.evaluate import eval_cmd  # noqa: E402
from agentft.cli.router import router_app  # noqa: E402
from agentft.cli.score import score  # noqa: E402
from agentft.cli.serve import serve_cmd  # noqa: E402
from agentft.cli.train import adapters_app, train_cmd  # noqa: E402

app.command()(score)
app.command("build-dataset")(build_dataset_cmd)
app.command("train")(train_cmd)
app.command("eval")(eval_cmd)
app.command("serve", context_settings={"allow_extra_args": True})(serve_cmd)
app.command()(demo)
app.add_typer(adapters_app, name="adapters")
app.add_typer(router_app, name="router")
app.add_typer(agent_app, name="agent")
app.add_typer(bench_app, name="bench")


def main() -> None:
    try:
        app()
    except AgentftError as err:
        err_console.print(f"[bold red]error:[/bold red] {err}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except OSError as err:  # an unwritable output folder, a full disk: the OS's words, one line
        where = f"{err.filename}: " if err.filename else ""
        err_console.print(f"[bold red]error:[/bold red] {where}{err.strerror or err}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
