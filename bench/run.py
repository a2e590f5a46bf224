"""Benchmark the whole month-end run at one or more sizes, each in a fresh process.

For each size (``--scale`` x each of ``--sizes``): generate the exports once into
``OUT/inputs-<scale>`` (reused while scale, seed, format and generator version match),
run ``python -m pipeline run`` in a child process and read the per-stage timings from the
run's ``manifest.json`` (whatever stages it reports). The parent measures the child's wall
time and peak RSS (``wait4`` rusage for the largest single process, and a /proc sampler
summing the whole process tree, since documents are laid out in worker processes; the
samples are attributed to stages through run.log), counts and sizes the certificates and
counts the pages laid out.

Then, in one more fresh process, the certificates on their own: all of them rendered the
pipeline's way (one WeasyPrint document, split with pypdf), timed alone, so a run that
lays certificates out together with other documents still gets a ms-per-certificate; and
``--naive-sample`` of the same certificates the naive way (one WeasyPrint call each), with
the ratio naive/fast. ``--profile`` adds a cProfile of the whole run in one process.

Writes ``OUT/bench.json``: the base size's figures at the top level (``total_s``,
``peak_rss_mb``, ``stages``, ``certificates.count/ms_each/kb_each/naive_ms_each``, ``scale``),
every size under ``runs``, and ``growth`` (time ratio against data ratio) for two sizes.

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


# ---------------------------------------------------------------- the code under test
def snapshot(out: pathlib.Path) -> pathlib.Path:
    """A copy of the code a long benchmark runs, so that edits made to the working tree
    meanwhile (templates are read lazily, workers import afresh) cannot mix into a run."""
    target = out / "code"
    shutil.rmtree(target, ignore_errors=True)
    for name in ("pipeline", "templates", "config", "bench"):
        shutil.copytree(PROJECT / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def code_state(code: pathlib.Path) -> dict:
    """Git HEAD and whether the working tree differed from it (read-only git calls)."""
    def git(*arguments: str) -> str:
        try:
            return subprocess.run(["git", *arguments], cwd=PROJECT, capture_output=True, text=True,
                                  timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    changed = [line[3:] for line in git("status", "--porcelain").splitlines()]
    return {"dir": str(code), "snapshot": code != PROJECT, "git_head": git("rev-parse", "--short", "HEAD"),
            "changed_files": [f for f in changed if f.startswith(("pipeline/", "templates/", "config/"))]}


# ---------------------------------------------------------------- the child run
class RssSampler(threading.Thread):
    """Every ``every`` seconds, the summed RSS (MB) of a process and all its descendants
    (the run lays documents out in worker processes), as (wall time, MB)."""

    PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20

    def __init__(self, pid: int, every: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples, self.most_processes = pid, every, [], 1
        self.done = threading.Event()

    def tree(self) -> list[int]:
        parent = {}
        for entry in pathlib.Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                    parent[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
                except (OSError, ValueError):
                    continue
        members, frontier = [self.pid], [self.pid]
        while frontier:
            frontier = [pid for pid, ppid in parent.items() if ppid in frontier]
            members += frontier
        return members

    def run(self):
        while not self.done.is_set():
            total, members = 0.0, self.tree()
            for pid in members:
                try:
                    total += int(pathlib.Path(f"/proc/{pid}/statm").read_text().split()[1]) * self.PAGE_MB
                except (OSError, ValueError, IndexError):
                    pass
            if total:
                self.samples.append((time.time(), total))
                self.most_processes = max(self.most_processes, len(members))
            self.done.wait(self.every)


def run_child(command: list[str], log_dir: pathlib.Path, timeout: float, code: pathlib.Path = PROJECT) -> dict:
    """Run ``command`` from ``code`` (the project or a snapshot of it, first on the import
    path); wall time, peak RSS (wait4 and the sampled process tree) and RSS samples."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "stdout.txt", "wb") as out, open(log_dir / "stderr.txt", "wb") as err:
        started, wall_start = time.perf_counter(), time.time()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")]))}
        child = subprocess.Popen(command, cwd=code, stdout=out, stderr=err, env=env)
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
    tree_peak = max((mb for _t, mb in sampler.samples), default=0.0)
    single = usage.ru_maxrss / 1024  # KB on Linux: the largest single process (child or a waited descendant)
    return {"command": command, "exit_code": child.returncode, "wall_s": round(wall, 3), "started_at": wall_start,
            "peak_rss_mb": round(max(tree_peak, single), 1), "peak_rss_single_process_mb": round(single, 1),
            "peak_rss_tree_sampled_mb": round(tree_peak, 1), "processes_max": sampler.most_processes,
            "timed_out": wall >= timeout, "cpu_user_s": round(usage.ru_utime, 2),
            "cpu_sys_s": round(usage.ru_stime, 2), "samples": sampler.samples}


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
    for stage, seconds in timings.items():
        if stage not in ("read_validate", "total"):
            edges[stage] = (clock, clock + seconds)
            clock += seconds
    edges["manifest+exit"] = (clock, math.inf)
    return {stage: round(max((mb for t, mb in samples if lo <= t < hi), default=0.0), 1)
            for stage, (lo, hi) in edges.items()}


def failed_stage(folder: pathlib.Path, stderr: str, timed_out: bool, exit_code: int) -> str:
    """Where a run stopped, from what it left behind (the run writes rejects.csv after
    read+validate, then the documents, then manifest.json last)."""
    if timed_out or exit_code < 0:
        done = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.pdf")) if folder.exists() else []
        why = "timeout" if timed_out else f"killed by signal {-exit_code} (not by the harness)"
        return f"{why}; PDFs already written: {len(done)} ({', '.join(done[:5])}{', ...' if len(done) > 5 else ''})"
    if not (folder / "rejects.csv").exists():
        return "read_validate"
    if "rejected" in stderr:
        return "read_validate (strict mode: rows rejected)"
    done = [p.name for p in folder.iterdir() if p.suffix in (".pdf", ".xlsx")]
    return f"after read_validate (documents written: {', '.join(sorted(done)) or 'none'})"


def pdf_pages(path: pathlib.Path) -> int:
    from pypdf import PdfReader
    return len(PdfReader(path).pages)


def documents(folder: pathlib.Path) -> dict:
    """Pages and sizes of the PDFs a run laid out (the split certificates excluded)."""
    pack = folder / "summary-pack.pdf"
    teams = sorted((folder / "teams").glob("*.pdf"))
    combined = folder / "certificates.pdf"
    laid_out = [p for p in (pack, combined, *teams) if p.exists()]
    pages = {p: pdf_pages(p) for p in laid_out}
    return {"pack_pages": pages.get(pack), "pack_mb": round(pack.stat().st_size / 2**20, 2) if pack.exists() else None,
            "team_packs": len(teams), "team_pack_pages": sum(pages[p] for p in teams),
            "certificate_pages": pages.get(combined),
            "combined_certificates_mb": round(combined.stat().st_size / 2**20, 2) if combined.exists() else None,
            "pages_total": sum(pages.values()), "mb_total": round(sum(p.stat().st_size for p in laid_out) / 2**20, 2)}


def document_work(jobs: list[dict], pages: int) -> dict:
    """From the run's own per-job times (measured in the workers): pages per core-second,
    and the longest single job with its share of all document work."""
    cpu = sum(job["cpu_s"] for job in jobs)
    if not jobs or not cpu:
        return {"pages_per_core_second": None, "longest_job": None, "longest_job_s": None,
                "longest_job_share": None, "jobs": len(jobs)}
    longest = max(jobs, key=lambda job: job["cpu_s"])
    return {"pages_per_core_second": round(pages / cpu, 2), "longest_job": longest["document"],
            "longest_job_s": longest["cpu_s"], "longest_job_share": round(longest["cpu_s"] / cpu, 4),
            "jobs": len(jobs), "document_cpu_s": round(cpu, 1)}


def projection(jobs: list[dict], workers: tuple[int, ...] = (8, 32, 128)) -> dict:
    """Document wall time on n workers from the measured jobs, by list scheduling (longest
    job first, each to the worker free earliest): a lower bound is the longest job."""
    times = sorted((job["cpu_s"] for job in jobs), reverse=True)
    projected = {}
    for count in workers:
        loads = [0.0] * count
        for seconds in times:
            loads[loads.index(min(loads))] += seconds
        projected[str(count)] = round(max(loads), 1) if times else None
    return projected


def measure(inputs: dict, out: pathlib.Path, args) -> dict:
    """One size: the month-end run in a fresh process, then its documents."""
    scale = inputs["scale"]
    outputs = out / f"run-{scale:g}"
    folder = outputs / PERIOD
    shutil.rmtree(folder, ignore_errors=True)
    command = [args.python, "-m", "pipeline", "run", "--inputs", inputs["folder"], "--outputs", str(outputs),
               "--period", PERIOD, "--config", str(args.code / "config" / "salespack.yaml")]
    print(f"running the month end at scale {scale:g} in a fresh process ...", flush=True)
    child = run_child(command, outputs, args.timeout, args.code)
    samples = child.pop("samples")
    stderr = (outputs / "stderr.txt").read_text(encoding="utf-8", errors="replace")
    entry = {"scale": scale, "inputs": inputs["folder"], "outputs": str(folder), "format": inputs["format"],
             "rows": {name: d["rows"] for name, d in inputs["datasets"].items()},
             "rows_total": sum(d["rows"] for d in inputs["datasets"].values()),
             "reps": inputs["reps"], "teams": inputs["teams"], "generate_s": inputs["generate_s"],
             "inputs_reused": inputs["reused"], **child, "ok": child["exit_code"] == 0}
    entry["total_s"] = entry["wall_s"]
    manifest_path = folder / "manifest.json"
    times = log_times(folder / "run.log")
    first_log = times[0] if times else None
    if not entry["ok"] or not manifest_path.exists():
        entry["ok"] = False
        entry["failed_stage"] = failed_stage(folder, stderr, child["timed_out"], child["exit_code"])
        entry["error"] = stderr.strip()[-2000:]
        log = folder / "run.log"
        entry["run_log_tail"] = log.read_text(encoding="utf-8", errors="replace")[-1500:] if log.exists() else ""
        entry["rss_mb_by_stage"] = rss_by_stage(samples, child["started_at"], first_log, {})
        return entry
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    timings = manifest["timings_s"]
    stages = {stage: seconds for stage, seconds in timings.items() if stage != "total"}
    entry["stages"] = {**stages, "startup_and_other": round(entry["wall_s"] - sum(stages.values()), 3)}
    entry["manifest_total_s"] = timings.get("total")  # the run's own total starts after read+validate
    entry["rows_total"] = sum(i["rows_read"] for i in manifest["inputs"].values())
    entry["rss_mb_by_stage"] = rss_by_stage(samples, child["started_at"], first_log, timings)

    docs = documents(folder)
    docs.update(document_work(manifest.get("document_jobs") or [], docs["pages_total"]))
    entry["documents"] = docs
    entry["projection_s"] = projection(manifest.get("document_jobs") or [])
    files = sorted((folder / "certificates").glob("*.pdf"))
    sizes = [p.stat().st_size for p in files]
    count = len(files)
    stage_s = stages.get("certificates")
    entry["certificates"] = {
        "count": count, "stage_s": stage_s,
        "ms_each": round(stage_s * 1000 / count, 2) if stage_s and count else None,
        "ms_each_source": "run stage 'certificates'" if stage_s and count else None,
        "kb_each": round(sum(sizes) / count / 1024, 1) if count else None,
        "kb_max": round(max(sizes) / 1024, 1) if count else None,
        "mb_all_files": round(sum(sizes) / 2**20, 1), "combined_mb": docs["combined_certificates_mb"]}
    pack_s = stages.get("pack")
    entry["pack"] = {"pages": docs["pack_pages"], "mb": docs["pack_mb"],
                     "pages_per_s": round(docs["pack_pages"] / pack_s, 2) if pack_s and docs["pack_pages"] else None}
    rendering = stages.get("documents") or sum(stages.get(s, 0) for s in ("pack", "certificates"))
    entry["throughput"] = {
        "read_validate_rows_per_s": round(entry["rows_total"] / stages["read_validate"]),
        "compute_rows_per_s": round(entry["rows_total"] / stages["compute"]) if stages.get("compute") else None,
        "pack_pages_per_s": entry["pack"]["pages_per_s"],
        "laid_out_pages_per_s": round(docs["pages_total"] / rendering, 2) if rendering else None}
    return entry


def measure_dask(inputs: dict, out: pathlib.Path, args, local: dict) -> dict:
    """The same month end with its documents on a Dask ``LocalCluster`` of 2 worker
    processes (one thread each, like the local pool), against the local pool's run:
    ``ratio_to_local`` = the documents stage's wall time on Dask / on the local pool."""
    try:
        from distributed import LocalCluster
    except ImportError:
        return {"skipped": "distributed is not installed (make cluster-setup)"}
    scale = inputs["scale"]
    outputs = out / f"run-{scale:g}-dask"
    shutil.rmtree(outputs / PERIOD, ignore_errors=True)
    import dask
    workers = min(os.cpu_count() or 1, 2)
    # Set up as the README asks of a cluster's workers: one thread each, Dask's profiler
    # off (its stack sampling every 10 ms cost about 8% of layout here).
    with dask.config.set({"distributed.worker.profile.enabled": False}), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        command = [args.python, "-m", "pipeline", "run", "--inputs", inputs["folder"], "--outputs", str(outputs),
                   "--period", PERIOD, "--config", str(args.code / "config" / "salespack.yaml"),
                   "--scheduler", cluster.scheduler_address]
        print(f"running the month end at scale {scale:g} with its documents on a LocalCluster of {workers} "
              "workers ...", flush=True)
        child = run_child(command, outputs, args.timeout, args.code)
    manifest_path = outputs / PERIOD / "manifest.json"
    if child["exit_code"] != 0 or not manifest_path.exists():
        return {"ok": False, "exit_code": child["exit_code"],
                "error": (outputs / "stderr.txt").read_text(encoding="utf-8", errors="replace")[-2000:]}
    timings = json.loads(manifest_path.read_text(encoding="utf-8"))["timings_s"]
    local_s = (local.get("stages") or {}).get("documents")
    return {"ok": True, "workers": workers, "threads_per_worker": 1, "worker_profiler": False,
            "wall_s": child["wall_s"], "documents_s": timings.get("documents"),
            "local_documents_s": local_s,
            "ratio_to_local": _ratio(timings.get("documents"), local_s),
            "ratio_wall_to_local": _ratio(child["wall_s"], local.get("wall_s")),
            # Reading and validating is the same work in both runs and never touches Dask:
            # how far this machine's speed moved between the two (its CPU speed swings).
            "read_validate_ratio": _ratio(timings.get("read_validate"), (local.get("stages") or {}).get("read_validate"))}


def _ratio(numerator, denominator):
    return round(numerator / denominator, 3) if numerator and denominator else None


# ---------------------------------------------------------------- certificates, fast and naive
def certificates_child(inputs: pathlib.Path, dest: pathlib.Path, count: int) -> dict:
    """In this fresh process: the certificate sheet of COMING from roster, budget and
    pledges (as ``salespack certificates`` builds it); all of them rendered the pipeline's
    way (one document, then split), timed on their own; then ``count`` of them, evenly
    spread, one WeasyPrint call each (naive), and the same ``count`` batched."""
    import numpy as np
    import pandas as pd

    from pipeline.compute import pledges as pledge_figures
    from pipeline.compute import targets
    from pipeline.config import load_settings
    from pipeline.read import read_table
    from pipeline.read.files import locate
    from pipeline.render import documents as docs
    from pipeline.render.contexts import certificates_context
    from pipeline.render.pdf import environment, render_pdf, template_roots
    from pipeline.validate import validate

    clock = time.perf_counter()
    settings = load_settings(PROJECT / "config" / "salespack.yaml")
    tables = {name: read_table(locate(inputs, name), name, settings) for name in ("roster", "budget", "pledges")}
    frames = validate(tables, settings.timezone).frames
    coming = pd.Period(COMING, freq="M")
    budget = frames["budget"].assign(period=pd.PeriodIndex(frames["budget"]["period"], freq="M"))
    goals = targets.budget_by_grain(budget, frames["roster"], "target")
    sheet = pledge_figures.certificates(frames["pledges"], frames["roster"], goals["rep_id"], goals["team"],
                                        coming, pledge_figures.certificate_periods(coming))
    result = {"sheet_rows": len(sheet), "prepare_s": round(time.perf_counter() - clock, 3)}
    roots = template_roots(None)

    def kb_each(folder: pathlib.Path) -> float:
        sizes = [p.stat().st_size for p in folder.glob("*.pdf")]
        return round(sum(sizes) / max(len(sizes), 1) / 1024, 1)

    fast_dir = dest / "isolated-certificates"
    shutil.rmtree(fast_dir, ignore_errors=True)
    fast_dir.mkdir(parents=True)
    clock = time.perf_counter()
    if hasattr(docs, "render_certificate_job"):
        from pipeline.render.pdf import worker_pool
        jobs = docs.certificate_jobs(sheet, coming, settings, None)
        html_s = time.perf_counter() - clock
        with worker_pool(len(jobs)) as pool:
            made = [future.result() for future in [pool.submit(docs.render_certificate_job, job) for job in jobs]]
        layout_s = time.perf_counter() - clock - html_s
        docs.finish_certificates(made, fast_dir)
        join_s = time.perf_counter() - clock - html_s - layout_s
        phases = {"html_and_fonts_s": round(html_s, 3), "layout_and_write_s": round(layout_s, 3),
                  "join_s": round(join_s, 3), "jobs": len(jobs)}
    elif hasattr(docs, "certificates_html") and hasattr(docs, "split_certificates"):
        html = docs.certificates_html(sheet, coming, settings)
        html_s = time.perf_counter() - clock
        render_pdf(html, fast_dir / "certificates.pdf", roots, roots[-1])
        layout_s = time.perf_counter() - clock - html_s
        docs.split_certificates(sheet, fast_dir, settings)
        split_s = time.perf_counter() - clock - html_s - layout_s
        phases = {"html_s": round(html_s, 3), "layout_s": round(layout_s, 3), "split_s": round(split_s, 3)}
    seconds = time.perf_counter() - clock
    result["fast"] = {"count": len(sheet), "seconds": round(seconds, 3), **phases,
                      "ms_each": round(seconds / max(len(sheet), 1) * 1000, 2),
                      "kb_each": kb_each(fast_dir / "certificates")}
    if count <= 0 or sheet.empty:
        return result

    picked = np.unique(np.linspace(0, len(sheet) - 1, min(count, len(sheet))).round().astype(int))
    template = environment(settings.locale).get_template("certificate/template.html")
    naive_dir = dest / "naive-certificates"
    shutil.rmtree(naive_dir, ignore_errors=True)
    each = []
    for i in picked:
        clock = time.perf_counter()
        one = sheet.iloc[[i]]
        context = certificates_context(one, locale=settings.locale, company_name=settings.company.name,
                                       period=coming, reward_tiers=settings.pledges.reward_tiers)
        render_pdf(template.render(c=context), naive_dir / docs.certificate_file_name(one.iloc[0]), roots, roots[-1])
        each.append(time.perf_counter() - clock)
    batch_dir = dest / "batched-sample"
    shutil.rmtree(batch_dir, ignore_errors=True)
    batch_dir.mkdir(parents=True)
    clock = time.perf_counter()
    docs.render_certificates(sheet.iloc[picked].reset_index(drop=True), batch_dir, coming, settings)
    batched = time.perf_counter() - clock
    n = len(picked)
    result["naive"] = {"count": n, "ms_each": round(sum(each) / n * 1000, 2), "first_ms": round(each[0] * 1000, 1),
                       "ms_each_after_first": round(sum(each[1:]) / max(n - 1, 1) * 1000, 2),
                       "kb_each": kb_each(naive_dir)}
    result["batched_sample"] = {"count": n, "ms_each": round(batched / n * 1000, 2),
                                "kb_each": kb_each(batch_dir / "certificates")}
    return result


def measure_certificates(inputs: dict, out: pathlib.Path, args) -> dict:
    dest = out / f"run-{inputs['scale']:g}"
    command = [args.python, "-m", "bench.run", "--certificates-child", inputs["folder"], str(dest),
               str(args.naive_sample)]
    print(f"certificates on their own: all the fast way, {args.naive_sample} the naive way"
          f" (scale {inputs['scale']:g}) ...", flush=True)
    child = run_child(command, dest / "certificates-logs", args.timeout, args.code)
    child.pop("samples")
    summary = {"wall_s": child["wall_s"], "peak_rss_mb": child["peak_rss_mb"]}
    if child["exit_code"] != 0:
        error = (dest / "certificates-logs" / "stderr.txt").read_text(encoding="utf-8", errors="replace")
        return {"ok": False, "error": error.strip()[-2000:], **summary}
    stdout = (dest / "certificates-logs" / "stdout.txt").read_text(encoding="utf-8").strip().splitlines()
    return {"ok": True, **json.loads(stdout[-1]), **summary}


def merge_certificates(entry: dict, measured: dict) -> None:
    """The certificate figures of bench.json: the run's stage when it times certificates
    alone, else the isolated render; naive and the ratio against it."""
    certs = entry.setdefault("certificates", {})
    certs["isolated"] = measured
    if not measured.get("ok"):
        return
    fast = measured["fast"]
    if not certs.get("ms_each"):
        certs["ms_each"] = fast["ms_each"]
        certs["ms_each_source"] = "isolated render of all certificates (the run times them with other documents)"
    if "naive" in measured:
        certs["naive_ms_each"] = measured["naive"]["ms_each"]
        certs["naive_kb_each"] = measured["naive"]["kb_each"]
        certs["naive_over_fast"] = round(measured["naive"]["ms_each"] / certs["ms_each"], 2)
        certs["naive_over_isolated_fast"] = round(measured["naive"]["ms_each"] / fast["ms_each"], 2)
        certs["naive_over_batched_same_sample"] = round(measured["naive"]["ms_each"]
                                                        / measured["batched_sample"]["ms_each"], 2)


# ---------------------------------------------------------------- profile
class _InProcess:
    """An executor that runs each job at once in this process (for a whole-run profile)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def submit(self, function, *args, **kwargs):
        from concurrent.futures import Future
        future: Future = Future()
        try:
            future.set_result(function(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


def profile_child(inputs: pathlib.Path, outputs: pathlib.Path, target: pathlib.Path) -> None:
    """The month end under cProfile in this process, its worker pool replaced by in-process
    execution so the documents' layout shows in the profile (so: one core, slower)."""
    import cProfile

    import pandas as pd

    from pipeline import month_end
    from pipeline.config import load_settings

    if hasattr(month_end, "worker_pool"):
        month_end.worker_pool = lambda jobs: _InProcess()
    config = PROJECT / "config" / "salespack.yaml"
    settings = load_settings(config)
    profiler = cProfile.Profile()
    profiler.enable()
    result = month_end.run_month_end(inputs, outputs, pd.Period(PERIOD, freq="M"), settings, config_path=config)
    profiler.disable()
    profiler.dump_stats(target)
    print(json.dumps({k: round(v, 3) for k, v in result.timings.items()}))


def run_profile(inputs: dict, out: pathlib.Path, args) -> pathlib.Path:
    outputs = out / f"profile-{inputs['scale']:g}"
    shutil.rmtree(outputs / PERIOD, ignore_errors=True)
    target = outputs / "profile.pstats"
    print(f"profiling the month end at scale {inputs['scale']:g} (one process) ...", flush=True)
    child = run_child([args.python, "-m", "bench.run", "--profile-child", inputs["folder"], str(outputs), str(target)],
                      outputs, args.timeout, args.code)
    if child["exit_code"] != 0:
        print((outputs / "stderr.txt").read_text(encoding="utf-8", errors="replace")[-2000:])
        return target
    import pstats
    print((outputs / "stdout.txt").read_text(encoding="utf-8").strip())
    for order in ("cumulative", "tottime"):
        print(f"\nprofile of scale {inputs['scale']:g}, top {args.profile_top} by {order} ({target}):")
        pstats.Stats(str(target)).sort_stats(order).print_stats(args.profile_top)
    return target


# ---------------------------------------------------------------- report
def stage_names(runs: list[dict]) -> list[str]:
    names: list[str] = []
    for r in runs:
        names += [s for s in r.get("stages", {}) if s not in names]
    return names


def growth(small: dict, big: dict) -> dict:
    data = big["rows_total"] / small["rows_total"]
    time_ratio = big["total_s"] / small["total_s"]
    result = {"scales": [small["scale"], big["scale"]], "data_ratio": round(data, 3),
              "time_ratio": round(time_ratio, 3),
              "exponent": round(math.log(time_ratio) / math.log(data), 2) if data > 1 and time_ratio > 0 else None,
              "rss_ratio": round(big["peak_rss_mb"] / small["peak_rss_mb"], 3),
              "both_ok": bool(small["ok"] and big["ok"])}
    if small.get("stages") and big.get("stages"):
        result["stage_ratios"] = {s: round(big["stages"][s] / small["stages"][s], 2)
                                  for s in stage_names([small]) if small["stages"].get(s, 0) > 0 and s in big["stages"]}
    counts = [r.get("certificates", {}).get("count") for r in (small, big)]
    if all(counts):
        result["certificate_count_ratio"] = round(counts[1] / counts[0], 3)
    return result


def print_report(runs: list[dict], grew: dict | None) -> None:
    names = stage_names(runs)
    head = f"{'scale':>6} {'rows in':>10} {'wall s':>8} {'peak MB':>8} " + " ".join(f"{s[:13]:>13}" for s in names)
    print("\n" + head + "\n" + "-" * len(head))
    for r in runs:
        stages = r.get("stages", {})
        cells = " ".join(f"{stages[s]:>13.2f}" if s in stages else f"{'-':>13}" for s in names)
        print(f"{r['scale']:>6g} {r['rows_total']:>10,} {r['total_s']:>8.1f} {r['peak_rss_mb']:>8.0f} {cells}")
    for r in runs:
        made = "reused" if r["inputs_reused"] else f"generated in {r['generate_s']:.1f} s"
        print(f"\nscale {r['scale']:g}: {r['reps']:,} reps, {r['teams']} teams, "
              f"{r['rows']['sales']:,} order lines, {r['rows']['visits']:,} visits; inputs {r['format']} ({made})")
        if not r["ok"]:
            last = (r.get("error") or "(no stderr)").strip().splitlines()[-1:]
            print(f"  FAILED: {r['failed_stage']} after {r['wall_s']:.1f} s (exit {r['exit_code']}): {last}")
        else:
            t, d = r["throughput"], r["documents"]
            print(f"  read+validate {t['read_validate_rows_per_s']:,} rows/s; compute {t['compute_rows_per_s']:,} rows/s")
            print(f"  pack {d['pack_pages']} pages ({d['pack_mb']} MB)"
                  + (f", {t['pack_pages_per_s']} pages/s" if t["pack_pages_per_s"] else "")
                  + f"; {d['team_packs']} team packs, {d['team_pack_pages']} pages; all laid-out PDFs"
                  f" {d['pages_total']} pages, {t['laid_out_pages_per_s']} pages/s, {d['mb_total']} MB")
            if d.get("pages_per_core_second"):
                print(f"  documents: {d['pages_per_core_second']} pages per core-second over {d['jobs']} jobs; "
                      f"longest {d['longest_job']} {d['longest_job_s']} s ({d['longest_job_share']:.1%} of the "
                      f"work); projected on 8/32/128 workers: "
                      + " / ".join(f"{v} s" for v in r.get("projection_s", {}).values()))
        dask = r.get("dask") or {}
        if dask.get("ratio_to_local"):
            print(f"  Dask LocalCluster ({dask['workers']} workers): documents {dask['documents_s']} s against "
                  f"{dask['local_documents_s']} s on the local pool, ratio {dask['ratio_to_local']} (reading and "
                  f"validating, the same work in both runs: ratio {dask.get('read_validate_ratio')})")
        elif dask:
            print(f"  Dask LocalCluster: {dask.get('skipped') or dask.get('error', 'failed')[-300:]}")
        print(f"  peak RSS {r['peak_rss_mb']:.0f} MB (largest single process {r['peak_rss_single_process_mb']:.0f} MB,"
              f" up to {r['processes_max']} processes); by stage (sampled, MB): "
              + ", ".join(f"{k} {v:.0f}" for k, v in r.get("rss_mb_by_stage", {}).items()))
        c = r.get("certificates", {})
        if c.get("count"):
            print(f"  certificates {c['count']:,}: {c['ms_each']} ms each [{c['ms_each_source']}],"
                  f" {c['kb_each']} kB each (max {c['kb_max']}, {c['mb_all_files']} MB in all; combined {c['combined_mb']} MB)")
        iso = c.get("isolated") or {}
        if iso.get("ok"):
            f = iso["fast"]
            print(f"  isolated fast render of all {f['count']:,}: {f['seconds']} s = {f['ms_each']} ms each"
                  + (f" (html {f['html_s']} s, layout {f['layout_s']} s, split {f['split_s']} s)" if "layout_s" in f else "")
                  + f", {f['kb_each']} kB each")
            if "naive" in iso:
                n, b = iso["naive"], iso["batched_sample"]
                print(f"  naive, one WeasyPrint call each: {n['ms_each']} ms each over {n['count']} (first {n['first_ms']} ms),"
                      f" {n['kb_each']} kB each; the same {b['count']} batched: {b['ms_each']} ms each")
                print(f"  ratio naive/fast: {c['naive_over_fast']}x (vs the same sample batched:"
                      f" {c['naive_over_batched_same_sample']}x)")
        elif iso:
            print(f"  certificate measurement FAILED: {(iso.get('error') or '').strip().splitlines()[-1:]}")
    if grew:
        print(f"\ngrowth {grew['scales'][0]:g} -> {grew['scales'][1]:g}: data x{grew['data_ratio']},"
              f" time x{grew['time_ratio']} (exponent {grew['exponent']}), peak RSS x{grew['rss_ratio']}"
              + ("" if grew["both_ok"] else " [a run failed: times are to the failure]"))
        if grew.get("stage_ratios"):
            print("  by stage: " + ", ".join(f"{k} x{v}" for k, v in grew["stage_ratios"].items()))


def report(args, sizes: list[float], runs: list[dict], grew: dict | None = None) -> dict:
    base = runs[0]
    top = {key: base.get(key) for key in ("ok", "total_s", "peak_rss_mb", "stages", "certificates", "pack",
                                         "documents", "throughput", "rows_total", "failed_stage",
                                         "projection_s", "dask")}
    return {"scale": args.scale, "sizes": sizes, "period": PERIOD, "format": args.format, "seed": args.seed,
            **top, "runs": runs, "growth": grew, "code": args.code_state,
            "host": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "created_at": dt.datetime.now().isoformat(timespec="seconds")}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--profile-child"]:
        profile_child(pathlib.Path(argv[1]), pathlib.Path(argv[2]), pathlib.Path(argv[3]))
        return 0
    if argv[:1] == ["--certificates-child"]:
        print(json.dumps(certificates_child(pathlib.Path(argv[1]), pathlib.Path(argv[2]), int(argv[3]))))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.25, help="base scale; 1.0 = 2,000 reps, 1M lines (default 0.25)")
    parser.add_argument("--sizes", default="1,4", help="multiples of --scale to run, e.g. 1,4 (default)")
    parser.add_argument("--naive-sample", type=int, default=50, help="certificates rendered one call each (0: none)")
    parser.add_argument("--out", type=pathlib.Path, default=PROJECT / "outputs" / "bench")
    parser.add_argument("--seed", type=int, default=20261031)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="sales and visits files")
    parser.add_argument("--timeout", type=float, default=7200, help="seconds allowed per child process")
    parser.add_argument("--regenerate", action="store_true", help="write the inputs again even if present")
    parser.add_argument("--no-certificates", action="store_true", help="skip the isolated and naive certificates")
    parser.add_argument("--no-dask", action="store_true", help="skip the run on a Dask LocalCluster")
    parser.add_argument("--profile", action="store_true",
                        help="also run the month end under cProfile in one process and print the top functions")
    parser.add_argument("--profile-top", type=int, default=35, help="functions shown per profile ordering")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the child processes")
    parser.add_argument("--resume", action="store_true",
                        help="keep the sizes an interrupted benchmark in --out finished, with its code snapshot")
    parser.add_argument("--live", action="store_true",
                        help="run the working tree itself, not a snapshot of it taken at the start")
    args = parser.parse_args(argv)
    sizes = [float(s) for s in args.sizes.split(",") if s.strip()]
    if args.scale <= 0 or not sizes or min(sizes) <= 0:
        parser.error("--scale and --sizes must be > 0")
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    previous = json.loads((out / "bench.json").read_text(encoding="utf-8")) \
        if args.resume and (out / "bench.json").exists() else {}
    if args.live:
        args.code = PROJECT
    elif args.resume and (out / "code").is_dir():
        args.code = out / "code"  # the snapshot the interrupted benchmark ran
    else:
        args.code = snapshot(out)
    args.code_state = previous.get("code") if previous.get("code") and args.resume else code_state(args.code)
    print(f"code under test: {args.code} (git {args.code_state['git_head']}"
          f"{', with uncommitted changes' if args.code_state['changed_files'] else ''})", flush=True)

    runs: list[dict] = []
    done = {r["scale"]: r for r in previous.get("runs", [])
            if r.get("ok") and previous.get("seed") == args.seed and previous.get("format") == args.format}
    for size in sizes:
        scale = round(args.scale * size, 6)
        if scale in done:
            print(f"scale {scale:g}: kept from the interrupted benchmark (--resume)", flush=True)
            runs.append(done[scale])
            continue
        inputs = inputs_for(out, scale, args.seed, args.format, args.regenerate)
        entry = measure(inputs, out, args)
        if not args.no_dask and entry.get("ok"):
            entry["dask"] = measure_dask(inputs, out, args, entry)
        if not args.no_certificates:
            merge_certificates(entry, measure_certificates(inputs, out, args))
        if args.profile:
            entry["profile"] = str(run_profile(inputs, out, args))
        runs.append(entry)
        (out / "bench.json").write_text(json.dumps(report(args, sizes, runs), ensure_ascii=False, indent=2),
                                        encoding="utf-8")  # after every size: a long run leaves a trace
    grew = growth(runs[0], runs[-1]) if len(runs) > 1 else None
    (out / "bench.json").write_text(json.dumps(report(args, sizes, runs, grew), ensure_ascii=False, indent=2),
                                    encoding="utf-8")
    print_report(runs, grew)
    print(f"\nwritten: {out / 'bench.json'}")
    return 0 if all(r["ok"] for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
