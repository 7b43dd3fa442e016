"""Command line: the same functions the pages call.

    python -m osteo_core score-cohort INPUT --out OUTPUT [--chunk-rows N] [--spreadsheet-safe]
        [--dask tls://scheduler:8786 --dask-tls-ca CA --dask-tls-cert CERT --dask-tls-key KEY | --insecure]
    python -m osteo_core predict-images --task knee-kl|bone-density --out OUT.csv [--spreadsheet-safe] PATH [...]
    python -m osteo_core assess --age 67 --sex female --weight 58 --height 160 [...]
    python -m osteo_core add-user NAME --role admin|clinician|analyst|demo   (password from stdin; see users_cli)
    python -m osteo_core list-users | remove-user NAME
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from osteo_core.config import cli_locale
from osteo_core.errors import OsteoError
from osteo_core.i18n import _, format_decimal, language_from_locale, use_language
from osteo_core.vocabulary import RISK_COLUMN


def _score_cohort(args: argparse.Namespace) -> int:
    from osteo_core.cohort.score import score_file

    started = time.perf_counter()

    def progress(rows: int) -> None:
        rate = rows / max(time.perf_counter() - started, 1e-9)
        print(_("scored {rows} rows ({rate} rows/s)").format(rows=format_decimal(rows, 0),
                                                             rate=format_decimal(rate, 0)),
              file=sys.stderr, flush=True)

    output = Path(args.out)
    try:
        if args.dask:
            from osteo_core.cohort.distributed import cluster_security, score_file_dask

            security = cluster_security(args.dask, args.dask_tls_ca, args.dask_tls_cert, args.dask_tls_key,
                                        insecure=args.insecure)
            text = (_("scoring on the Dask cluster at {address} over TLS") if security
                    else _("scoring on the Dask cluster at {address}"))
            print(text.format(address=args.dask), file=sys.stderr, flush=True)
            totals = score_file_dask(args.input, output, address=args.dask, progress=progress,
                                     chunk_rows=args.chunk_rows, spreadsheet_safe=args.spreadsheet_safe,
                                     security=security)
        else:
            totals = score_file(Path(args.input), output, chunk_rows=args.chunk_rows, progress=progress,
                                spreadsheet_safe=args.spreadsheet_safe)
    except OsteoError:
        output.unlink(missing_ok=True)
        raise
    seconds = time.perf_counter() - started
    print(_("done: {rows} rows, {scored} scored, {with_issues} with issues, {seconds} s → {output}").format(
        rows=format_decimal(totals["rows"], 0), scored=format_decimal(totals["scored"], 0),
        with_issues=format_decimal(totals["with_issues"], 0), seconds=format_decimal(seconds, 1), output=output),
        file=sys.stderr)
    return 0


def _predict_images(args: argparse.Namespace) -> int:
    from osteo_core.imaging import batch
    from osteo_core.imaging.gate import load_gate

    files = batch.find_images(args.paths)
    print(_("{count} image file(s) found").format(count=len(files)), file=sys.stderr)
    gate = load_gate()
    if args.task == "knee-kl":
        from osteo_core.imaging.knee_grader import load_knee_grader

        model, run = load_knee_grader(), batch.predict_knee_files
    else:
        from osteo_core.imaging.bone_density import load_bone_density_model

        model, run = load_bone_density_model(), batch.predict_density_files
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        rate = format_decimal(done / max(time.perf_counter() - started, 1e-9), 1)
        print(_("{task}: {done}/{total} images ({rate}/s)").format(task=args.task, done=done, total=total, rate=rate),
              file=sys.stderr, flush=True)

    table = run(files, model, gate, progress=progress)
    if args.spreadsheet_safe:
        from osteo_core.cohort.export import neutralise_formulas

        table = neutralise_formulas(table)
    table.to_csv(args.out, index=False)
    rejected = int((table["status"] == "rejected").sum())
    print(_("done: {files} files, {analysed} analysed, {rejected} rejected → {output}").format(
        files=len(table), analysed=len(table) - rejected, rejected=rejected, output=args.out), file=sys.stderr)
    return 0


def _assess(args: argparse.Namespace) -> int:
    from osteo_core.clinical.assess import assess_patient
    from osteo_core.clinical.patient import parse_patient

    values = {"age": args.age, "sex": args.sex, "weight_kg": args.weight, "height_cm": args.height}
    for name in ("prior_fracture", "parent_hip_fracture", "glucocorticoids", "smoker_current",
                 "rheumatoid_arthritis", "alcohol_drinks_per_day", "estrogen_therapy", "menopause_status",
                 "t_score", "race", "fracture_count_after_45"):
        value = getattr(args, name)
        if value is not None:
            values[name] = value
    patient = parse_patient(values, weight_unit=args.weight_unit, height_unit=args.height_unit)
    result = assess_patient(patient, explain=False)
    tools = {t.info.key: t for t in result.tools}

    def whole(value: float | None) -> int | None:
        return None if value is None else int(value)

    report = {
        RISK_COLUMN: round(result.probability, 4), "risk_category": result.band,
        "t_score_estimate": round(result.t_score_estimate, 2), "t_score_low": round(result.t_score_low, 2),
        "t_score_high": round(result.t_score_high, 2),
        "ost_index": whole(tools["ost"].score),
        "ost_flag": None if tools["ost"].flagged is None else int(tools["ost"].flagged),
        "orai_score": whole(tools["orai"].score), "score_score": whole(tools["score"].score),
        "issues": "",
        "who_category": result.who_category, "model_version": result.model_version,
        "tools": {t.info.key: {"score": t.score, "flagged": t.flagged, "reason": t.reason} for t in result.tools},
        "warnings": result.warnings,
    }
    print(json.dumps(report, indent=2))
    return 0


def _spreadsheet_flag(command: argparse.ArgumentParser) -> None:
    command.add_argument("--spreadsheet-safe", action="store_true",
                         help=_("prefix text cells starting with = + - @ (tab, CR) with ' so Excel or LibreOffice "
                                "do not run them as formulas; use it when the output will be opened in a "
                                "spreadsheet, not when another program reads the values"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m osteo_core", description=_("Osteoporosis screening tools."))
    commands = parser.add_subparsers(dest="command", required=True)

    cohort = commands.add_parser("score-cohort", help=_("score a CSV/XLSX/Parquet table of patients"))
    cohort.add_argument("input", help=_("input table (.csv, .xlsx or .parquet)"))
    cohort.add_argument("--out", required=True, help=_("output CSV: input columns unchanged plus scores"))
    cohort.add_argument("--chunk-rows", type=int, default=200_000, help=_("rows per chunk (memory bound)"))
    cohort.add_argument("--dask", metavar="ADDRESS", default=None,
                        help=_("score on a Dask cluster (tcp://scheduler:8786, or 'local' for this machine); "
                               "the client reads INPUT and sends chunks to the workers"))
    cohort.add_argument("--dask-tls-ca", metavar="FILE", help=_("CA certificate of the Dask cluster (PEM)"))
    cohort.add_argument("--dask-tls-cert", metavar="FILE", help=_("this client's TLS certificate (PEM)"))
    cohort.add_argument("--dask-tls-key", metavar="FILE", help=_("this client's TLS private key (PEM)"))
    cohort.add_argument("--insecure", action="store_true",
                        help=_("allow a scheduler on another machine without TLS (patient rows cross the network "
                               "unencrypted; only on a trusted network)"))
    _spreadsheet_flag(cohort)
    cohort.set_defaults(func=_score_cohort)

    images = commands.add_parser("predict-images", help=_("grade radiographs in files or folders"))
    images.add_argument("--task", required=True, choices=("knee-kl", "bone-density"),
                        help=_("knee-kl: Kellgren-Lawrence grade 0-4; bone-density: normal/osteopenia/osteoporosis"))
    images.add_argument("--out", required=True, help=_("output CSV, one row per file"))
    images.add_argument("paths", nargs="+", help=_("image files or folders (searched for .png .jpg .jpeg .dcm)"))
    _spreadsheet_flag(images)
    images.set_defaults(func=_predict_images)

    assess = commands.add_parser("assess", help=_("assess one patient and print JSON"))
    assess.add_argument("--age", type=float, required=True, help=_("years"))
    assess.add_argument("--sex", required=True, help=_("female or male"))
    assess.add_argument("--weight", type=float, required=True, help=_("weight (kg unless --weight-unit lb)"))
    assess.add_argument("--height", type=float, required=True, help=_("height (cm unless --height-unit in)"))
    assess.add_argument("--weight-unit", choices=("kg", "lb"), default="kg")
    assess.add_argument("--height-unit", choices=("cm", "in"), default="cm")
    for flag in ("prior-fracture", "parent-hip-fracture", "glucocorticoids", "smoker-current",
                 "rheumatoid-arthritis"):
        assess.add_argument(f"--{flag}", dest=flag.replace("-", "_"), choices=("yes", "no"))
    assess.add_argument("--alcohol-drinks-per-day", type=float)
    assess.add_argument("--fracture-count-after-45", type=int)
    assess.add_argument("--estrogen-therapy", choices=("never", "past", "current"))
    assess.add_argument("--menopause-status",
                        choices=("premenopausal", "perimenopausal", "postmenopausal", "not_applicable"))
    assess.add_argument("--race")
    assess.add_argument("--t-score", type=float, help=_("measured DXA T-score (SD)"))
    assess.set_defaults(func=_assess)

    from osteo_core.users_cli import add_user_commands

    add_user_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for bad input, 1 for other known errors).

    Messages follow ``LANG`` (``LC_ALL``, ``LC_MESSAGES`` first: English, Spanish or Hindi) for this call only, so
    a caller in the same process keeps its own language; output column names and values stay English (a contract).
    """
    with use_language(language_from_locale(cli_locale())):
        args = build_parser().parse_args(argv)
        try:
            return args.func(args)
        except (ValueError, FileNotFoundError) as exc:
            print(_("error: {message}").format(message=exc), file=sys.stderr)
            return 2
        except OsteoError as exc:
            print(_("error: {message}").format(message=exc), file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
