"""Benchmark the whole month-end run at one or more sizes, each in a fresh process.

For each size (``--scale`` x each of ``--sizes``): generate the exports once into
``OUT/inputs-<scale>`` (reused while scale, seed, format and generator version match),
run ``python -m pipeline run`` in a child process, and read the per-stage timings from the
run's ``manifest.json``. The parent measures the child's wall time and peak RSS (its own
``wait4`` rusage, plus a /proc sampler that attributes memory to stages), counts and sizes
the certificates, counts the pack's pages, then renders ``--naive-sample`` of the same
certificates the naive way (one WeasyPrint call each, in one more fresh process).

Writes ``OUT/bench.json``: the base size's figures at the top level (``total_s``,
``peak_rss_mb``, ``stages``, ``certificates.count/ms_each/kb_each/naive_ms_each``, ``scale``),
every size under ``runs``, and ``growth`` (time ratio against data ratio) with two sizes.

Usage: python -m bench.run --scale 0.25 [--sizes 1,4] [--naive-sample 50] [--out outputs/bench]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import threading
import time

PROJECT = pathlib.Path(__file__).resolve().parents[1]
PERIOD, COMING = "2026-10", "2026-11"
STAGES = ("read_validate", "compute", "pack", "certificates", "workbook")


# ---------------------------------------------------------------- inputs
def inputs_for(out: pathlib.Path, scale: float, seed: int, fmt: str, regenerate: bool) -> dict:
    """The exports of ``scale``: reused when their description matches, else generated."""
    from . import scale as generator
    folder = out / f"inputs-{scale:g}"
    described = folder / "bench-inputs.json"
    if described.exists() and not regenerate:
        info = json.loads(described.read_text(encoding="utf-8"))
        wanted = {"scale": scale, "seed": seed, "format": fmt, "generator_version": generator.GENERATOR_VERSION}
        if all(info.get(k) == v for k, v in wanted.items()):
            return {**info, "folder": str(folder), "reused": True}
    print(f"generating scale {scale:g} into {folder} ...", flush=True)
    info = generator.generate(folder, scale, seed, fmt)
    return {**info, "folder": str(folder), "reused": False}


# ---------------------------------------------------------------- the child run
class RssSampler(threading.Thread):
    """VmRSS of a process every ``every`` seconds, as (wall time, MB)."""

    def __init__(self, pid: int, every: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples = pid, every, []
        self.done = threading.Event()

    def run(self):
        status = pathlib.Path(f"/proc/{self.pid}/status")
        while not self.done.is_set():
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.samples.append((time.time(), int(line.split()[1]) / 1024))
            except (OSError, ValueError):
                pass
            self.done.wait(self.every)


def run_child(command: list[str], log_dir: pathlib.Path, timeout: float) -> dict:
    """Run ``command`` from the project folder; wall time, peak RSS (wait4) and RSS samples."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "stdout.txt", "wb") as out, open(log_dir / "stderr.txt", "wb") as err:
        started, wall_start = time.perf_counter(), time.time()
        child = subprocess.Popen(command, cwd=PROJECT, stdout=out, stderr=err)
        sampler = RssSampler(child.pid)
        sampler.start()
        killer = threading.Timer(timeout, child.kill)  # only this child, by its handle
        killer.start()
        try:
            _pid, status, usage = os.wait4(child.pid, 0)
        finally:
            killer.cancel()
            sampler.done.set()
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
    sampler.join()
    return {"command": command, "exit_code": child.returncode, "wall_s": round(wall, 3), "started_at": wall_start,
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "timed_out": wall >= timeout,
            "user_s": round(usage.ru_utime, 2), "sys_s": round(usage.ru_stime, 2), "samples": sampler.samples}


def log_times(run_log: pathlib.Path) -> list[float]:
    """Wall times of the records of ``run.log`` (logging's asctime, local time)."""
    times = []
    if run_log.exists():
        for line in run_log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                stamp = dt.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
            except ValueError:
                continue
            times.append(stamp.timestamp())
    return times


def rss_by_stage(samples: list, started_at: float, first_log: float | None, timings: dict) -> dict:
    """Peak sampled RSS per stage. The first run.log record is written right after
    read+validate; the later stages follow in order with the manifest's durations."""
    if not samples or first_log is None:
        return {}
    edges, clock = {"startup+read_validate": (started_at, first_log)}, first_log
    for stage in STAGES[1:]:
        if stage in timings:
            edges[stage] = (clock, clock + timings[stage])
            clock += timings[stage]
    edges["manifest+exit"] = (clock, math.inf)
    return {stage: round(max((mb for t, mb in samples if lo <= t < hi), default=0.0), 1)
            for stage, (lo, hi) in edges.items()}


def failed_stage(folder: pathlib.Path, stderr: str) -> str:
    """Where a run stopped, from what it left behind."""
    if not (folder / "rejects.csv").exists():
        return "read_validate"
    if "rejected" in stderr:
        return "read_validate (strict: rows rejected)"
    for stage, marker in (("pack", "summary-pack.pdf"), ("certificates", "certificates.pdf"),
                          ("workbook", "kpis.xlsx")):
        if not (folder / marker).exists():
            return f"compute or {stage}" if stage == "pack" else stage
    return "manifest"


def pdf_pages(path: pathlib.Path) -> int | None:
    from pypdf import PdfReader
    return len(PdfReader(path).pages) if path.exists() else None


def measure(inputs: dict, out: pathlib.Path, args) -> dict:
    """One size: the month-end run in a fresh process, then its documents."""
    scale = inputs["scale"]
    outputs = out / f"run-{scale:g}"
    folder = outputs / PERIOD
    shutil.rmtree(folder, ignore_errors=True)
    command = [args.python, "-m", "pipeline", "run", "--inputs", inputs["folder"], "--outputs", str(outputs),
               "--period", PERIOD, "--config", str(PROJECT / "config" / "salespack.yaml")]
    if args.profile:
        command[1:3] = ["-m", "cProfile", "-o", str(outputs / "profile.pstats"), "-m", "pipeline"]
    print(f"running the month end at scale {scale:g} in a fresh process ...", flush=True)
    child = run_child(command, outputs, args.timeout)
    samples = child.pop("samples")
    stderr = (outputs / "stderr.txt").read_text(encoding="utf-8", errors="replace")
    rows_in = sum(d["rows"] for d in inputs["datasets"].values())
    entry = {"scale": scale, "inputs": inputs["folder"], "outputs": str(folder), "format": inputs["format"],
             "rows": {name: d["rows"] for name, d in inputs["datasets"].items()}, "rows_total": rows_in,
             "reps": inputs["reps"], "teams": inputs["teams"], "generate_s": inputs["generate_s"],
             "inputs_reused": inputs["reused"], **child, "ok": child["exit_code"] == 0}
    entry["total_s"] = entry["wall_s"]
    manifest_path = folder / "manifest.json"
    times = log_times(folder / "run.log")
    if not entry["ok"] or not manifest_path.exists():
        entry["ok"] = False
        entry["failed_stage"] = "timeout" if child["timed_out"] else failed_stage(folder, stderr)
        entry["error"] = stderr.strip()[-2000:]
        log = folder / "run.log"
        entry["run_log_tail"] = log.read_text(encoding="utf-8", errors="replace")[-1500:] if log.exists() else ""
        entry["rss_mb_by_stage"] = rss_by_stage(samples, child["started_at"], times[0] if times else None, {})
        return entry
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    timings = manifest["timings_s"]
    stages = {stage: timings[stage] for stage in STAGES if stage in timings}
    entry["stages"] = stages
    entry["stages"]["startup_and_other"] = round(entry["wall_s"] - sum(stages.values()), 3)
    entry["manifest_total_s"] = timings.get("total")  # note: the manifest's total excludes read_validate
    entry["rows_total"] = sum(i["rows_read"] for i in manifest["inputs"].values())
    entry["rss_mb_by_stage"] = rss_by_stage(samples, child["started_at"], times[0] if times else None, timings)

    certificates = sorted((folder / "certificates").glob("*.pdf"))
    count = len(certificates)
    sizes = [p.stat().st_size for p in certificates]
    combined = folder / "certificates.pdf"
    entry["certificates"] = {
        "count": count, "seconds": stages.get("certificates"),
        "ms_each": round(stages["certificates"] * 1000 / count, 2) if count else None,
        "kb_each": round(sum(sizes) / count / 1024, 1) if count else None,
        "kb_max": round(max(sizes) / 1024, 1) if count else None,
        "combined_mb": round(combined.stat().st_size / 2**20, 2) if combined.exists() else None}
    pages = pdf_pages(folder / "summary-pack.pdf")
    entry["pack"] = {"pages": pages, "mb": round((folder / "summary-pack.pdf").stat().st_size / 2**20, 2),
                     "pages_per_s": round(pages / stages["pack"], 2) if pages and stages.get("pack") else None}
    entry["throughput"] = {
        "read_validate_rows_per_s": round(entry["rows_total"] / stages["read_validate"]),
        "compute_rows_per_s": round(entry["rows_total"] / stages["compute"]) if stages.get("compute") else None,
        "pack_pages_per_s": entry["pack"]["pages_per_s"],
        "certificates_per_s": round(count / stages["certificates"], 2) if count and stages.get("certificates") else None}
    if args.profile:
        entry["profile"] = str(outputs / "profile.pstats")
    return entry


# ---------------------------------------------------------------- naive certificates
def naive_child(inputs: pathlib.Path, dest: pathlib.Path, count: int) -> dict:
    """In this (fresh) process: the certificates of COMING from roster, budget and pledges,
    then ``count`` of them, evenly spread, rendered one WeasyPrint call each; and the same
    ``count`` rendered the pipeline's way (one document, split) for a like-for-like ratio."""
    import numpy as np
    import pandas as pd

    from pipeline.compute import pledges as pledge_figures
    from pipeline.compute import targets
    from pipeline.config import load_settings
    from pipeline.read import read_table
    from pipeline.read.files import locate
    from pipeline.render.contexts import certificates_context
    from pipeline.render.documents import certificate_file_name, render_certificates
    from pipeline.render.pdf import environment, render_pdf, template_roots
    from pipeline.validate import validate

    started = time.perf_counter()
    settings = load_settings(PROJECT / "config" / "salespack.yaml")
    tables = {name: read_table(locate(inputs, name), name, settings) for name in ("roster", "budget", "pledges")}
    frames = validate(tables, settings.timezone).frames
    coming = pd.Period(COMING, freq="M")
    budget = frames["budget"].assign(period=pd.PeriodIndex(frames["budget"]["period"], freq="M"))
    goals = targets.budget_by_grain(budget, frames["roster"], "target")
    sheet = pledge_figures.certificates(frames["pledges"], frames["roster"], goals["rep_id"], goals["team"],
                                        coming, pledge_figures.certificate_periods(coming))
    picked = np.unique(np.linspace(0, len(sheet) - 1, min(count, len(sheet))).round().astype(int))
    prepare_s = time.perf_counter() - started

    env = environment(settings.locale)
    roots = template_roots(None)
    template = env.get_template("certificate/template.html")
    naive_dir = dest / "naive"
    shutil.rmtree(naive_dir, ignore_errors=True)
    each, sizes = [], []
    for i in picked:
        clock = time.perf_counter()
        one = sheet.iloc[[i]]
        context = certificates_context(one, locale=settings.locale, company_name=settings.company.name,
                                       period=coming, reward_tiers=settings.pledges.reward_tiers)
        target = naive_dir / certificate_file_name(one.iloc[0])
        render_pdf(template.render(c=context), target, roots, roots[-1])
        each.append(time.perf_counter() - clock)
        sizes.append(target.stat().st_size)

    batch_dir = dest / "batched-sample"
    shutil.rmtree(batch_dir, ignore_errors=True)
    batch_dir.mkdir(parents=True)
    clock = time.perf_counter()
    render_certificates(sheet.iloc[picked].reset_index(drop=True), batch_dir, coming, settings)
    batched = time.perf_counter() - clock
    batch_sizes = [p.stat().st_size for p in (batch_dir / "certificates").glob("*.pdf")]
    n = len(picked)
    return {"count": n, "sheet_rows": len(sheet), "prepare_s": round(prepare_s, 3),
            "ms_each": round(sum(each) / n * 1000, 2), "first_ms": round(each[0] * 1000, 1),
            "ms_each_after_first": round(sum(each[1:]) / max(n - 1, 1) * 1000, 2),
            "kb_each": round(sum(sizes) / n / 1024, 1),
            "batched_same_sample_ms_each": round(batched / n * 1000, 2),
            "batched_same_sample_kb_each": round(sum(batch_sizes) / max(len(batch_sizes), 1) / 1024, 1)}


def measure_naive(inputs: dict, out: pathlib.Path, args) -> dict:
    dest = out / f"run-{inputs['scale']:g}"
    command = [args.python, "-m", "bench.run", "--naive-child", inputs["folder"], str(dest), str(args.naive_sample)]
    print(f"rendering {args.naive_sample} certificates the naive way (scale {inputs['scale']:g}) ...", flush=True)
    child = run_child(command, dest / "naive-logs", args.timeout)
    child.pop("samples")
    if child["exit_code"] != 0:
        error = (dest / "naive-logs" / "stderr.txt").read_text(encoding="utf-8", errors="replace")[-2000:]
        return {"ok": False, "error": error, **child}
    result = json.loads((dest / "naive-logs" / "stdout.txt").read_text(encoding="utf-8").strip().splitlines()[-1])
    return {"ok": True, **result, "wall_s": child["wall_s"], "peak_rss_mb": child["peak_rss_mb"]}


# ---------------------------------------------------------------- report
def growth(small: dict, big: dict) -> dict:
    data = big["rows_total"] / small["rows_total"]
    time_ratio = big["total_s"] / small["total_s"]
    result = {"scales": [small["scale"], big["scale"]], "data_ratio": round(data, 3),
              "time_ratio": round(time_ratio, 3),
              "exponent": round(math.log(time_ratio) / math.log(data), 2) if data > 1 and time_ratio > 0 else None,
              "rss_ratio": round(big["peak_rss_mb"] / small["peak_rss_mb"], 3)}
    if small.get("stages") and big.get("stages"):
        result["stage_ratios"] = {s: round(big["stages"][s] / small["stages"][s], 2)
                                  for s in STAGES if small["stages"].get(s) and s in big["stages"]}
    if small.get("certificates") and big.get("certificates"):
        result["certificate_count_ratio"] = round(big["certificates"]["count"] / small["certificates"]["count"], 3)
    return result


def print_report(runs: list[dict], grew: dict | None) -> None:
    print()
    head = f"{'scale':>6} {'rows in':>10} {'wall s':>8} {'peak MB':>8} " + " ".join(f"{s[:12]:>12}" for s in STAGES)
    print(head)
    print("-" * len(head))
    for r in runs:
        stages = r.get("stages", {})
        cells = " ".join(f"{stages[s]:>12.2f}" if s in stages else f"{'-':>12}" for s in STAGES)
        print(f"{r['scale']:>6g} {r['rows_total']:>10,} {r['total_s']:>8.1f} {r['peak_rss_mb']:>8.0f} {cells}")
    for r in runs:
        made = "reused" if r["inputs_reused"] else f"generated in {r['generate_s']:.1f} s"
        print(f"\nscale {r['scale']:g}: {r['reps']:,} reps, {r['teams']} teams, inputs {r['format']} ({made})")
        if not r["ok"]:
            print(f"  FAILED in {r['failed_stage']} after {r['wall_s']:.1f} s (exit {r['exit_code']}):")
            print("  " + (r.get("error") or "").strip().splitlines()[-1][:300] if r.get("error") else "  (no stderr)")
        else:
            t, c, p = r["throughput"], r["certificates"], r["pack"]
            print(f"  read+validate {t['read_validate_rows_per_s']:,} rows/s; compute {t['compute_rows_per_s']:,} rows/s;"
                  f" pack {p['pages']} pages, {p['pages_per_s']} pages/s ({p['mb']} MB)")
            print(f"  certificates {c['count']:,}: {c['ms_each']} ms each, {c['kb_each']} kB each"
                  f" (combined {c['combined_mb']} MB)")
        print(f"  peak RSS {r['peak_rss_mb']:.0f} MB; by stage (sampled): "
              + ", ".join(f"{k} {v:.0f}" for k, v in r.get("rss_mb_by_stage", {}).items()))
        naive = r.get("naive")
        if naive and naive.get("ok"):
            fast = r.get("certificates", {}).get("ms_each")
            print(f"  naive: {naive['count']} certificates one WeasyPrint call each: {naive['ms_each']} ms each"
                  f" (first {naive['first_ms']} ms), {naive['kb_each']} kB each;"
                  f" the same {naive['count']} batched: {naive['batched_same_sample_ms_each']} ms each")
            if fast:
                print(f"  ratio naive/fast: {naive['ms_each'] / fast:.1f}x (against the full run's {fast} ms each)")
        elif naive:
            print(f"  naive render FAILED: {(naive.get('error') or '').strip().splitlines()[-1:]}")
    if grew:
        print(f"\ngrowth {grew['scales'][0]:g} -> {grew['scales'][1]:g}: data x{grew['data_ratio']},"
              f" time x{grew['time_ratio']} (exponent {grew['exponent']}), peak RSS x{grew['rss_ratio']}")
        if grew.get("stage_ratios"):
            print("  by stage: " + ", ".join(f"{k} x{v}" for k, v in grew["stage_ratios"].items()))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--naive-child"]:
        print(json.dumps(naive_child(pathlib.Path(argv[1]), pathlib.Path(argv[2]), int(argv[3]))))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.25, help="base scale; 1.0 = 2,000 reps, 1M lines (default 0.25)")
    parser.add_argument("--sizes", default="1,4", help="multiples of --scale to run, e.g. 1,4 (default)")
    parser.add_argument("--naive-sample", type=int, default=50, help="certificates rendered one call each (0: skip)")
    parser.add_argument("--out", type=pathlib.Path, default=PROJECT / "outputs" / "bench")
    parser.add_argument("--seed", type=int, default=20261031)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="sales and visits files")
    parser.add_argument("--timeout", type=float, default=7200, help="seconds allowed per child run")
    parser.add_argument("--regenerate", action="store_true", help="write the inputs again even if present")
    parser.add_argument("--profile", action="store_true", help="run the month end under cProfile; print the top")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the child runs")
    args = parser.parse_args(argv)
    sizes = [float(s) for s in args.sizes.split(",") if s.strip()]
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    runs = []
    for size in sizes:
        scale = round(args.scale * size, 6)
        inputs = inputs_for(out, scale, args.seed, args.format, args.regenerate)
        entry = measure(inputs, out, args)
        if args.naive_sample > 0:
            entry["naive"] = measure_naive(inputs, out, args)
            fast = (entry.get("certificates") or {}).get("ms_each")
            if entry["naive"].get("ok"):
                entry.setdefault("certificates", {})["naive_ms_each"] = entry["naive"]["ms_each"]
                entry["certificates"]["naive_kb_each"] = entry["naive"]["kb_each"]
                entry["certificates"]["naive_over_fast"] = round(entry["naive"]["ms_each"] / fast, 2) if fast else None
        if args.profile and entry.get("profile"):
            import pstats
            print(f"\nprofile of scale {scale:g} (top 30 by cumulative time):")
            pstats.Stats(entry["profile"]).sort_stats("cumulative").print_stats(30)
        runs.append(entry)
        (out / "bench.json").write_text(json.dumps(report(args, sizes, runs), ensure_ascii=False, indent=2),
                                        encoding="utf-8")  # written after every size: a long run leaves a trace
    grew = growth(runs[0], runs[-1]) if len(runs) > 1 and runs[0]["total_s"] > 0 else None
    (out / "bench.json").write_text(json.dumps(report(args, sizes, runs, grew), ensure_ascii=False, indent=2),
                                    encoding="utf-8")
    print_report(runs, grew)
    print(f"\nwritten: {out / 'bench.json'}")
    return 0 if all(r["ok"] for r in runs) else 1


def report(args, sizes: list[float], runs: list[dict], grew: dict | None = None) -> dict:
    base = runs[0]
    top = {key: base.get(key) for key in ("total_s", "wall_s", "peak_rss_mb", "stages", "certificates", "pack",
                                         "throughput", "rows_total", "ok")}
    return {"scale": args.scale, "sizes": sizes, "period": PERIOD, "format": args.format, "seed": args.seed,
            **top, "runs": runs, "growth": grew,
            "host": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "created_at": dt.datetime.now().isoformat(timespec="seconds")}


if __name__ == "__main__":
    raise SystemExit(main())
