"""`voipbin-conformance`: a thin front that builds a Config and calls the engine (or serves the mock)."""

from __future__ import annotations

import argparse
import difflib
import signal
import sys
from typing import Any, NoReturn

from conformance import __version__
from conformance.config import DEFAULT_PROFILE
from conformance.errors import SetupError

EXIT_SETUP = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line and exit 2, with a suggestion from the same subcommand. No option
    is taken by a prefix of its name: `run --report vcr` (a schemathesis habit) is refused, naming --report-dir,
    rather than run as `--report-dir vcr`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = self._subcommand(getattr(parsed, "command", None))
            options = [s for a in command._actions for s in a.option_strings]
            bad = extras[0].split("=")[0]
            close = [o for o in options if o.startswith(bad) and bad.startswith("--")]  # an abbreviation
            close += [o for o in difflib.get_close_matches(bad, options, n=1) if o not in close]
            if close and bad.startswith("-"):
                meant = " or ".join(close[:3])
                command.fail(f"{bad} is not an option; did you mean {meant}? (unrecognized arguments: {bad})")
            command.fail(f"unrecognized arguments: {' '.join(extras)} (see {command.prog} --help)")
        return parsed

    def _subcommand(self, name: str | None) -> _Parser:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and name in action.choices:
                chosen = action.choices[name]
                return chosen if isinstance(chosen, _Parser) else self
        return self

    def fail(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_SETUP)

    def error(self, message: str) -> NoReturn:
        hint = f" (see {self.prog.split()[0]} --help)" if "invalid choice:" in message else ""
        self.fail(f"{message}{hint}")


def _run_parser(sub: Any) -> None:
    from conformance.config import RUN_OPTIONS

    run = sub.add_parser("run", help="run the conformance suite against a target (default: the embedded mock)")
    for option in RUN_OPTIONS:  # text in; config.build() converts and validates through the same declaration
        names, kwargs = option.arguments()
        run.add_argument(*names, **kwargs)
    run.add_argument(
        "--config", help="a TOML file of settings (default: [tool.voipbin-conformance] in ./pyproject.toml)"
    )


def _mock_parser(sub: Any) -> None:
    mock = sub.add_parser("mock", help="serve the spec as a conformant (or deliberately broken) VoIPBIN API")
    mock.add_argument("--spec", help="OpenAPI document (default: bundled)")
    mock.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    mock.add_argument("--port", type=int, default=8000, help="port to listen on, 0 for any free one (default 8000)")
    mock.add_argument("--profile", default=DEFAULT_PROFILE, help=f"conventions profile (default {DEFAULT_PROFILE})")
    mock.add_argument("--token", help="the first customer's JWT (default: one the mock signs)")
    mock.add_argument("--accesskey", help="the first customer's access key (default: a random one)")
    mock.add_argument("--other-token", help="the second customer's JWT (default: one the mock signs)")
    mock.add_argument("--username", help="with --password: serve POST /auth/login (at the root) for this user")
    mock.add_argument("--password", help="the password POST /auth/login accepts")
    mock.add_argument("--fault", action="append", default=[], help="break one convention (repeatable)")
    mock.add_argument("--seed", type=int, default=0, help="seed for the generated data (default 0)")
    mock.add_argument("--rate-limit", help="N/s: answer 429 with Retry-After beyond N requests per second")
    mock.add_argument("--list-faults", action="store_true", help="list the faults and the check that catches each")
    mock.add_argument("--tls", action="store_true", help="serve HTTPS with a certificate from a CA made for it")
    mock.add_argument("--tls-dir", help="with --tls: where ca.pem and the server's pair go (default: a temp dir)")
    mock.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate (with --tls-key)")
    mock.add_argument("--tls-key", help="the unencrypted PEM key of --tls-cert")
    mock.add_argument(
        "--require-header",
        action="append",
        metavar="'NAME: VALUE'",
        help="rehearse a gateway: a request without this header gets an HTML 403, the login too (repeatable)",
    )


def _diff_parser(sub: Any) -> None:
    diff = sub.add_parser("diff", help="compare two results.json: new, fixed and persisting findings")
    diff.add_argument("baseline", help="the earlier results.json")
    diff.add_argument("new", help="the later results.json")
    diff.add_argument("--report-dir", default="reports", help="where regression.html and regression.json go")
    diff.add_argument("--force", action="store_true", help="compare runs of different specs")


def _merge_parser(sub: Any) -> None:
    merge = sub.add_parser("merge", help="join the results.json of shards into one set of reports")
    merge.add_argument("results", nargs="+", help="results.json of each shard")
    merge.add_argument("--report-dir", default="reports", help="where the merged reports go")
    merge.add_argument("--force", action="store_true", help="merge runs that differ in spec, target or seed")
    merge.add_argument(
        "--allow-partial", action="store_true", help="merge even with shards missing (the reports say which)"
    )


_SHARED = ("spec", "profile", "report_dir", "checks", "exclude_checks", "max_response_bytes")
_UPSTREAM = ("request_timeout", "max_time", "ca_bundle", "client_cert", "client_key", "insecure")


def _run_options(command: Any, fields: tuple[str, ...]) -> None:
    """Options `run` has too, declared once (config.py): the same names, help and validation; read from the
    command line only (the traffic brings its own target and credentials)."""
    from conformance.config import BY_FIELD

    for name in fields:
        names, kwargs = BY_FIELD[name].arguments(environment=False)
        command.add_argument(*names, **kwargs)


def _judge_parser(sub: Any) -> None:
    judge = sub.add_parser("judge", help="judge recorded traffic (a HAR file) with the checks traffic can show")
    judge.add_argument("har", help="a HAR 1.2 file: browsers' devtools, proxies, `run --record-har`, `proxy --record`")
    judge.add_argument(
        "--base-url", help="only requests under this URL are the API's (default: any host, under the spec's base path)"
    )
    judge.add_argument("--max-har-bytes", type=int, help="the largest HAR file read (default 256 MiB)")
    _run_options(judge, _SHARED)


def _proxy_parser(sub: Any) -> None:
    proxy = sub.add_parser("proxy", help="forward a client's requests to a target, judging every exchange")
    proxy.add_argument("--upstream", required=True, help="the target, e.g. https://api.voipbin.net")
    proxy.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    proxy.add_argument("--port", type=int, default=8080, help="port to listen on, 0 for any free one (default 8080)")
    proxy.add_argument("--record", metavar="FILE.har", help="also save the exchanges as HAR 1.2 (credentials redacted)")
    _run_options(proxy, _SHARED + _UPSTREAM)


def _lint_parser(sub: Any) -> None:
    lint = sub.add_parser("lint", help="judge the spec itself against the profile's conventions (no target, SARIF)")
    lint.add_argument("--sarif", metavar="FILE", help="where the SARIF 2.1.0 goes (default: REPORT_DIR/results.sarif)")
    _run_options(lint, ("spec", "profile", "report_dir"))


def _cmd_lint(args: argparse.Namespace) -> int:
    from conformance.data import bundled_spec_path
    from conformance.reporting.lint import run_lint

    config = _traffic_config(args, ("spec", "profile", "report_dir"))
    return run_lint(config, config.spec or str(bundled_spec_path()), args.sarif)


def _traffic_config(args: argparse.Namespace, fields: tuple[str, ...]) -> Any:
    from conformance import config as config_module

    values = config_module.from_flags({name: getattr(args, name, None) for name in fields})
    return config_module.Config(**values).validate()


def _cmd_judge(args: argparse.Namespace) -> int:
    from conformance.client.har import MAX_HAR_BYTES
    from conformance.config import BY_FIELD
    from conformance.options import FLAGS, parse
    from conformance.traffic.commands import judge_file

    base_url = parse(BY_FIELD["base_url"], args.base_url, FLAGS) if args.base_url else None
    if args.max_har_bytes is not None and args.max_har_bytes < 1:
        raise SetupError(f"--max-har-bytes expects a positive number of bytes, got {args.max_har_bytes}")
    config = _traffic_config(args, _SHARED)
    return judge_file(config, args.har, base_url=base_url, max_har_bytes=args.max_har_bytes or MAX_HAR_BYTES)


def _cmd_proxy(args: argparse.Namespace) -> int:
    from conformance.config import BY_FIELD
    from conformance.options import FLAGS, parse
    from conformance.traffic.commands import proxy

    try:
        upstream = parse(BY_FIELD["base_url"], args.upstream, FLAGS).rstrip("/")
    except SetupError as exc:  # checked as a base URL is, but the user typed --upstream
        hint = (exc.hint or "").replace("/v1.0", "").replace("--base-url", "--upstream") or None
        raise SetupError(exc.message.replace("--base-url", "--upstream"), hint) from None
    if not 0 <= args.port <= 65535:
        raise SetupError(f"--port expects 0 to 65535, got {args.port}")
    config = _traffic_config(args, _SHARED + _UPSTREAM)
    return proxy(config, upstream, host=args.host, port=args.port, record=args.record, max_time=config.max_time)


def parser() -> _Parser:
    top = _Parser(prog="voipbin-conformance", description="Contract and conformance tests for the VoIPBIN REST API.")
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = top.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _run_parser(sub)
    _mock_parser(sub)
    _diff_parser(sub)
    _merge_parser(sub)
    _judge_parser(sub)
    _proxy_parser(sub)
    _lint_parser(sub)
    return top


def _cmd_run(args: argparse.Namespace) -> int:
    from conformance import config as config_module
    from conformance.engine import run
    from conformance.options import unread_environment
    from conformance.reporting.console import print_summary

    for warning in unread_environment(config_module.RUN_OPTIONS):
        sys.stderr.write(warning + "\n")
    config = config_module.build(config_module.flags_from(args), config_file=args.config)
    if config.mock_faults:
        from conformance.mock.faults import validate_faults

        validate_faults(config.mock_faults)
    if config.baseline and not config.update_baseline:
        from conformance.reporting.regression import load_results

        load_results(config.baseline)  # a missing or foreign baseline is bad input: say so before the run
    _ENDING.report_dir = config.report_dir
    code = run(config)
    print_summary(config.report_dir, sys.stdout, compared=bool(config.baseline and not config.update_baseline))
    return code


def _cmd_diff(args: argparse.Namespace) -> int:
    from conformance.reporting import regression, regression_report
    from conformance.reporting.out import Out

    out = Out()  # the credentials this command can know: the VOIPBIN_* secrets in the environment
    result = regression.compare(
        regression.load_results(args.baseline), regression.load_results(args.new), force=args.force
    )
    json_path, html_path = regression_report.write(result, args.report_dir, out.redactor)
    out.line(regression.describe(out.data(result)))  # redacted whole, before describe() cuts long fields
    out.line(f"Reports: {html_path}, {json_path}")
    return 1 if regression.worse(result) else 0


def _cmd_merge(args: argparse.Namespace) -> int:
    from conformance.reporting import merge
    from conformance.reporting.out import Out
    from conformance.reporting.regression import load_results

    out = Out()
    merged = merge.merge(
        [load_results(path) for path in args.results],
        force=args.force,
        names=list(args.results),
        allow_partial=args.allow_partial,
    )
    directory = merge.write(merged, args.report_dir, out.redactor)
    summary = merged["summary"]
    out.line(
        f"Merged {len(args.results)} shard(s): {summary['operations_tested']} operations, {summary['cases']} "
        f"requests, {len(merged['findings'])} finding(s). Reports in {directory}/"
    )
    if summary["missing_shards"]:
        out.line(f"Incomplete: shard(s) {summary['missing_shards']} missing; their operations were not tested.")
    out.line(summary["verdict"]["headline"] + ".")
    return int(summary["verdict"]["exit_code"])


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _cmd_mock(args: argparse.Namespace) -> int:
    from conformance.mock import FAULTS

    if args.list_faults:
        width = max(len(n) for n in FAULTS)
        for fault in FAULTS.values():
            print(f"{fault.name:<{width}}  {fault.check:<24} {fault.description}")
        return 0
    from conformance.mock.server import serve_forever

    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a CI job like Ctrl-C: its generated TLS files go too
    rate = None
    if args.rate_limit:
        try:
            rate = float(str(args.rate_limit).removesuffix("/s"))
        except ValueError:
            raise SetupError(f"--rate-limit expects N/s, got {args.rate_limit!r}", "e.g. --rate-limit 20/s") from None
    serve_forever(args, rate)
    return 0


class _Ending:
    """What the exit paths need to know: where the reports of the command go (a crash's traceback goes there)."""

    report_dir: str | None = None


_ENDING = _Ending()
EXIT_CRASH = 3  # a bug in the suite: never 1, which CI reads as problems in the API
_STOPPABLE = ("run", "judge", "proxy", "merge")  # a signal to these is noted (conformance/_stop.py) and never lost


def main(argv: list[str] | None = None) -> int:
    from conformance import interrupts as _stop

    words = sys.argv[1:] if argv is None else argv
    command = next((word for word in words if not word.startswith("-")), None)
    taken = command in _STOPPABLE and _stop.install()  # before the heavy imports: a signal is noted from here
    try:
        code = _command(argv)
    finally:
        if taken:
            _stop.uninstall()  # from here on a signal acts as the process's default: never an exit 0
    code = _settled(code) if taken else code
    if argv is None and taken and _stop.requested() is not None:
        _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    """End a process a signal reached with `code`, now: CPython 3.11 remembers a KeyboardInterrupt that passed
    through an exec()'d string (dataclasses make their methods so) even when it was caught, and at exit kills the
    process with SIGINT instead of exiting with the code the reports give."""
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _command(argv: list[str] | None) -> int:
    from conformance import interrupts as _stop

    try:
        args = parser().parse_args(argv)
        _ENDING.report_dir = getattr(args, "report_dir", None) or "reports"
        commands = {"run": _cmd_run, "mock": _cmd_mock, "diff": _cmd_diff, "merge": _cmd_merge}
        commands |= {"judge": _cmd_judge, "proxy": _cmd_proxy, "lint": _cmd_lint}
        return commands[args.command](args)
    except SetupError as exc:  # one line, through the single exit: it may quote a results file or a target
        from conformance.reporting.out import Out, oneline

        Out().line(oneline(f"voipbin-conformance: error: {exc}", 2000), sys.stderr)
        return EXIT_SETUP
    except KeyboardInterrupt:  # before any report of this command was written: the signal's own status
        signum = _stop.requested() or signal.SIGINT
        sys.stderr.write(f"voipbin-conformance: interrupted ({_stop.signal_name(signum)}); no report was written\n")
        return _stop.exit_status(signum)
    except OSError as exc:  # a report that could not be written after all (a disk full): one line, never "passed"
        sys.stderr.write(f"voipbin-conformance: error: could not write {exc.filename or 'a report'}: {exc.strerror}\n")
        return EXIT_SETUP
    except Exception as exc:  # a bug of ours: its own exit code, the traceback in a file, never exit 1
        from conformance.reporting.finish import say_crash, write_crash

        say_crash(write_crash(_ENDING.report_dir, exc), f"{type(exc).__name__}: {exc}")
        return EXIT_CRASH


def _settled(code: int) -> int:
    """The exit code, once more in the light of a signal noted after the verdict: reports that said "passed" are
    written again, interrupted, and the exit code is theirs."""
    from conformance import interrupts as _stop

    if _stop.requested() is None or code in (EXIT_SETUP, EXIT_CRASH) or code > 128:
        return code
    from conformance.reporting.finish import mark_interrupted
    from conformance.reporting.out import Out

    results = mark_interrupted(_ENDING.report_dir or "reports")
    if results is None:
        return max(code, EXIT_SETUP) if code in (0, 1) else code
    verdict = results["summary"]["verdict"]
    Out().line(f"{verdict['headline']}. The reports in {_ENDING.report_dir} say so.", sys.stdout)
    return int(verdict["exit_code"])


if __name__ == "__main__":
    raise SystemExit(main())
