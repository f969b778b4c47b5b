"""Design-space sweeps on Snakemake: a sweep file (YAML or JSON) names the grid, the networks, the
images and the seeds; each point is one platform run in its own process; the results land in one
table (CSV), a JSON with every point's effective configuration, and an HTML page.

    python3 -m stoxvp.sweep run sweeps/mtj_t.yaml [--out DIR] [--cores N] [--profile DIR]
    python3 -m stoxvp.sweep check sweeps/mtj_t.yaml     # validate, list the points

See docs/exploration.md for the file format.
"""
import argparse
import csv
import hashlib
import itertools
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SNAKEFILE = os.path.join(HERE, "Snakefile")

# Options a point may set (run_inference's), with what each accepts.
OPTIONS = {
    "model": (str,), "converter": (str,), "samples": (int, str, list), "adc_bits": (int,),
    "adc_range": (int, float), "cols_per_converter": (int,), "tile_kind": (str,), "cpu": (str,),
}
TOP_KEYS = {"name", "model", "models", "images", "first", "seeds", "config", "fixed", "grid", "cases", "slurm"}
RESULTS = ["accuracy", "correct", "images", "energy_per_image_nj", "latency_per_image_ns", "edp_per_image_pjs",
           "tops_per_w", "energy_pj", "sim_time_ns"]


class SweepError(Exception):
    pass


def _fail(path, field, what):
    raise SweepError(f"{path}: {field}: {what}")


def _read(path):
    try:
        text = open(path).read()
    except OSError as e:
        raise SweepError(f"{path}: cannot read the sweep file: {e.strerror}")
    try:
        if path.endswith(".json"):
            return json.loads(text)
        import yaml
        return yaml.safe_load(text)
    except Exception as e:  # the parser's own message names the line
        raise SweepError(f"{path}: not valid {'JSON' if path.endswith('.json') else 'YAML'}: {e}")


def _check_value(path, field, name, v):
    if name.startswith("config."):
        if isinstance(v, (dict, list)) and not name.endswith("]"):
            pass
        return
    kinds = OPTIONS[name]
    if isinstance(v, bool) or not isinstance(v, kinds):
        _fail(path, field, f"{v!r} is not a {' or '.join(k.__name__ for k in kinds)}")
    if name == "samples":
        if isinstance(v, str):
            try:
                ts = [int(t) for t in v.split(",")]
            except ValueError:
                _fail(path, field, f"{v!r}: expected T or comma-separated T values, e.g. '8' or '8,4'")
        else:
            ts = v if isinstance(v, list) else [v]
        if not ts or len(ts) > 8 or not all(isinstance(t, int) and 1 <= t <= 255 for t in ts):
            _fail(path, field, f"{v!r}: T must be 1..255, one value or up to 8 (one per weight slice)")
    if name == "adc_bits" and not 1 <= v <= 24:
        _fail(path, field, f"{v}: accepted 1..24")
    if name == "cols_per_converter" and not 0 <= v <= 255:
        _fail(path, field, f"{v}: accepted 0..255")
    if name == "cpu" and v not in ("host", "riscv"):
        _fail(path, field, f"{v!r}: neither host nor riscv")


def _read_config(sweep_path, path):
    """The configuration file a sweep names: a JSON object, or a SweepError naming both files."""
    if not os.path.isfile(path):
        _fail(sweep_path, "config", f"{path}: not a file")
    try:
        with open(path) as f:
            config = json.load(f)
    except OSError as e:
        _fail(sweep_path, "config", f"{path}: cannot read: {e.strerror}")
    except (ValueError, UnicodeDecodeError) as e:
        _fail(sweep_path, "config", f"{path}: not valid JSON: {e}")
    if not isinstance(config, dict):
        _fail(sweep_path, "config", f"{path}: a configuration is a JSON object, this file holds a "
                                    f"{type(config).__name__}")
    return config


def _check_name(path, field, name):
    if name in OPTIONS:
        return
    if name.startswith("config.") and re.fullmatch(r"config(\.[A-Za-z_][A-Za-z0-9_]*)+", name):
        return
    _fail(path, field, f"unknown parameter '{name}' (accepted: {', '.join(sorted(OPTIONS))}, "
                       "or config.<section>.<field> for a configuration value)")


class Sweep:
    def __init__(self, path, base=None):
        self.path = os.path.abspath(path)
        self.base = base or os.getcwd()
        d = _read(self.path)
        if not isinstance(d, dict):
            _fail(self.path, "(top)", "expected a mapping of name, model(s), images, seeds, grid, ...")
        for k in d:
            if k not in TOP_KEYS:
                _fail(self.path, k, f"unknown field (accepted: {', '.join(sorted(TOP_KEYS))})")
        self.raw = d
        self.name = d.get("name") or os.path.splitext(os.path.basename(path))[0]
        if not isinstance(self.name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", self.name):
            _fail(self.path, "name", f"{self.name!r}: letters, digits, '_', '.', '-' only")
        if "model" in d and "models" in d:
            _fail(self.path, "models", "give model or models, not both")
        models = d.get("models", [d["model"]] if "model" in d else ["models/small_cnn_mtj.sxvm"])
        if not isinstance(models, list) or not models or not all(isinstance(m, str) for m in models):
            _fail(self.path, "models", f"{models!r}: expected a list of model files")
        self.models = models
        self.images = d.get("images", 1000)
        if isinstance(self.images, bool) or not isinstance(self.images, int) or not 1 <= self.images < 2**32:
            _fail(self.path, "images", f"{self.images!r}: expected a count 1..4294967295")
        self.first = d.get("first", 0)
        if isinstance(self.first, bool) or not isinstance(self.first, int) or self.first < 0:
            _fail(self.path, "first", f"{self.first!r}: expected an image index >= 0")
        self.seeds = d.get("seeds", [1])
        if not isinstance(self.seeds, list) or not self.seeds or not all(
                isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 2**64 for s in self.seeds):
            _fail(self.path, "seeds", f"{self.seeds!r}: expected a list of seeds 0..2^64-1")
        self.config = d.get("config")
        if self.config is not None:
            if not isinstance(self.config, str) or not os.path.exists(self.resolve(self.config)):
                _fail(self.path, "config", f"{self.config!r}: no such configuration file")
            # Checked here, not when the first point runs (a traceback inside Snakemake).
            _read_config(self.path, self.resolve(self.config))
        self.fixed = d.get("fixed") or {}
        if not isinstance(self.fixed, dict):
            _fail(self.path, "fixed", "expected a mapping of parameter: value")
        for k, v in self.fixed.items():
            _check_name(self.path, f"fixed.{k}", k)
            _check_value(self.path, f"fixed.{k}", k, v)
        grid = d.get("grid") or {}
        if not isinstance(grid, dict):
            _fail(self.path, "grid", "expected a mapping of parameter: [values]")
        for k, vs in grid.items():
            _check_name(self.path, f"grid.{k}", k)
            if k in self.fixed:
                _fail(self.path, f"grid.{k}", "also given under fixed")
            if not isinstance(vs, list) or not vs:
                _fail(self.path, f"grid.{k}", f"{vs!r}: expected a non-empty list of values")
            for i, v in enumerate(vs):
                _check_value(self.path, f"grid.{k}[{i}]", k, v)
            if len({json.dumps(v, sort_keys=True) for v in vs}) != len(vs):
                _fail(self.path, f"grid.{k}", "a value is listed twice")
        self.grid = grid
        # Cases: designs that differ in several options at once (a converter and its own
        # settings, a model trained for it); every case runs with every grid point.
        cases = d.get("cases")
        self.cases = None
        if cases is not None:
            if not isinstance(cases, list) or not cases:
                _fail(self.path, "cases", "expected a non-empty list of mappings (label and parameters)")
            self.cases = []
            for i, c in enumerate(cases):
                at = f"cases[{i}]"
                if not isinstance(c, dict) or not c:
                    _fail(self.path, at, f"{c!r}: expected a mapping of parameters (and a label)")
                c = dict(c)
                label = c.pop("label", None)
                if label is None:
                    label = ",".join(f"{k}={v}" for k, v in c.items())
                if not isinstance(label, str) or not label:
                    _fail(self.path, f"{at}.label", f"{label!r}: expected a name")
                for k, v in c.items():
                    _check_name(self.path, f"{at}.{k}", k)
                    _check_value(self.path, f"{at}.{k}", k, v)
                    if k in self.fixed or k in grid:
                        _fail(self.path, f"{at}.{k}", "also given under fixed or grid")
                    if k == "model":
                        if "model" in d or "models" in d:
                            _fail(self.path, f"{at}.model", "cases name their models: leave model/models out")
                        if not os.path.exists(self.resolve(v)):
                            _fail(self.path, f"{at}.model", f"{v}: no such model file")
                if label in [l for l, _ in self.cases]:
                    _fail(self.path, f"{at}.label", f"{label!r} is used twice")
                self.cases.append((label, c))
        every_case_names_its_model = bool(self.cases) and all("model" in c for _, c in self.cases)
        if not every_case_names_its_model:
            for m in models:
                if not os.path.exists(self.resolve(m)):
                    _fail(self.path, "models", f"{m}: no such model file (looked in {os.path.dirname(self.path)} "
                                               f"and {self.base})")
        self.slurm = d.get("slurm") or {}
        if not isinstance(self.slurm, dict):
            _fail(self.path, "slurm", "expected a mapping (partition, runtime, mem_mb)")
        self.parameters = (["model"] if len(models) > 1 else []) + (["case"] if self.cases else []) + list(grid)

    def resolve(self, p):
        if os.path.isabs(p):
            return p
        for d in (os.path.dirname(self.path), self.base):
            if os.path.exists(os.path.join(d, p)):
                return os.path.join(d, p)
        return os.path.join(self.base, p)

    def points(self):
        """Every point: (id, settings) in the grid's order; the id is a hash of the settings, so a
        grown grid keeps the ids (and the finished runs) of the points it had."""
        names = list(self.grid)
        out = []
        for model in self.models:
            for label, case in self.cases or [(None, {})]:
                for values in itertools.product(*(self.grid[n] for n in names)):
                    for seed in self.seeds:
                        s = {"model": model, "images": self.images, "first": self.first, "seed": seed,
                             "config": self.config}
                        if label is not None:
                            s["case"] = label
                        s.update(self.fixed)
                        s.update(case)
                        s.update(dict(zip(names, values)))
                        key = json.dumps(s, sort_keys=True)
                        out.append(("p" + hashlib.sha1(key.encode()).hexdigest()[:12], s))
        ids = [i for i, _ in out]
        assert len(set(ids)) == len(ids)
        return out

    def point(self, pid):
        if not hasattr(self, "_by_id"):
            self._by_id = dict(self.points())
        if pid not in self._by_id:
            raise SweepError(f"{self.path}: no point {pid}")
        return self._by_id[pid]


def _set_dotted(cfg, dotted, value):
    keys = dotted.split(".")[1:]
    d = cfg
    for k in keys[:-1]:
        d = d.setdefault(k, {})
        if not isinstance(d, dict):
            raise SweepError(f"{dotted}: {k} is not a section")
    d[keys[-1]] = value


def stoxvp_command():
    """The stoxvp command a point runs: $STOXVP_BIN, the build tree's (build/python/stoxvp ->
    build/tools/stoxvp), the installation's (<prefix>/lib/.../stoxvp -> <prefix>/bin), or PATH's."""
    import shutil
    for c in (os.environ.get("STOXVP_BIN"), os.path.join(HERE, "..", "..", "tools", "stoxvp"),
              os.path.join(HERE, "..", "..", "..", "..", "bin", "stoxvp"), shutil.which("stoxvp")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    raise SweepError("no stoxvp command (set STOXVP_BIN, or put stoxvp on PATH)")


def point_config(sweep, s):
    """The configuration a point runs with when it is not simply the sweep's file: the file (or the
    built-in defaults) with the point's config.* values and tile kind applied; None otherwise."""
    overrides = {k: v for k, v in s.items() if k.startswith("config.")}
    if not overrides and s.get("tile_kind") is None:
        return None
    config = _read_config(sweep.path, sweep.resolve(s["config"])) if s["config"] else {}
    for k, v in overrides.items():
        _set_dotted(config, k, v)
    if s.get("tile_kind") is not None:
        from .api import _with_tile_kind
        config = _with_tile_kind(config, s["tile_kind"])
    return config


def point_arguments(sweep, s, config_file=None):
    """The stoxvp command line's options for a point (the same rules as run_inference's)."""
    a = ["--model", sweep.resolve(s["model"]), "--images", str(s["images"]), "--first", str(s["first"]),
         "--seed", str(s["seed"])]
    if config_file:
        a += ["--config", config_file]
    elif s["config"]:
        a += ["--config", sweep.resolve(s["config"])]
    if s.get("converter") is not None:
        a += ["--converter", s["converter"]]
    t = s.get("samples")
    if t is not None:
        a += ["--samples", ",".join(str(int(x)) for x in t) if isinstance(t, list) else str(t)]
    if s.get("adc_bits") is not None:
        a += ["--adc-bits", str(s["adc_bits"])]
    if s.get("adc_range") is not None:
        a += ["--adc-range", repr(float(s["adc_range"]))]
    if s.get("cols_per_converter"):
        a += ["--cols-per-converter", str(s["cols_per_converter"])]
    if s.get("cpu") is not None:
        a += ["--cpu", s["cpu"]]
    return a + ["--no-vcd", "--no-power", "--quiet", "--no-progress-bar"]


def point_shell(sweep, pid, stoxvp, config_file=None):
    """The point's job: the stoxvp command itself (no Python process: its cost per point is the
    command's), its report wrapped with the host and Slurm job that ran it; the file appears whole
    (renamed into place) or not at all."""
    import shlex
    s = sweep.point(pid)
    out, log = f"points/{pid}.json", f"logs/{pid}.log"
    rep, tmp = f"points/.{pid}.report", f"points/.{pid}.tmp"
    cmd = " ".join(shlex.quote(x) for x in [stoxvp] + point_arguments(sweep, s, config_file) + ["--report", rep])
    head = '{"id": "%s", "host": "%s", "slurm_job_id": %s, "report": '
    return (cmd + " > " + log + " 2>&1"
            + ' && job=${SLURM_JOB_ID:+\\"$SLURM_JOB_ID\\"}'
            + " && { printf '" + head + "' " + pid + ' "${HOSTNAME:-$(uname -n)}" "${job:-null}"; '
            + "cat " + rep + "; echo '}'; } > " + tmp + " && mv " + tmp + " " + out + " && rm -f " + rep)


def point_document(sweep, pid, s, d):
    """A point's record in results.json from its job's file: settings, results, effective
    configuration (the report's), technology, converter model, host, Slurm job, run time."""
    r = d["report"]
    inf = r["inference"]
    n = inf["images"]
    e = r["energy"]["total_pj"]
    lat_ns = inf["latency_ns_per_image"]
    res = {"accuracy": inf.get("accuracy"), "correct": inf["correct"], "images": n, "energy_per_image_nj": e / n * 1e-3,
           "latency_per_image_ns": lat_ns, "edp_per_image_pjs": (e / n * 1e-12) * (lat_ns * 1e-9) * 1e12,
           "tops_per_w": r["summary"]["tops_per_w"], "energy_pj": e, "sim_time_ns": r["run"]["sim_time_ns"]}
    tech = r.get("technology", {})
    return {"id": pid, "settings": s, "results": res, "effective_config": r["config"], "technology": tech.get("name"),
            "adc_model": tech.get("adc_model"), "host": d["host"], "slurm_job_id": d["slurm_job_id"],
            "wall_time_s": r["run"]["wall_time_s"]}


def _cell(v):
    return json.dumps(v) if isinstance(v, (list, dict)) else v


def write_table(sweep, point_files, csv_path, json_path, html_path):
    from .html import sweep_page, write_atomically
    docs = {}
    for f in point_files:
        d = json.load(open(f))
        docs[d["id"]] = d
    rows, full = [], []
    for pid, s in sweep.points():
        d = point_document(sweep, pid, s, docs[pid])
        row = {"point": pid, "model": s["model"], "seed": s["seed"]}
        if sweep.cases:
            row["case"] = s["case"]
        for p in sweep.grid:
            row[p] = _cell(s[p])
        row.update(d["results"])
        rows.append(row)
        full.append(d)
    cols = ["point", "model", "seed"] + (["case"] if sweep.cases else []) + list(sweep.grid) + RESULTS
    import io
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: r[c] for c in cols})
    write_atomically(csv_path, buf.getvalue())
    write_atomically(json_path, json.dumps({"sweep": sweep.raw, "sweep_file": sweep.path, "points": full}, indent=1) + "\n")
    write_atomically(html_path, sweep_page(rows, sweep.parameters or ["seed"], title=f"stoxvp sweep {sweep.name}"))


_STEPS = re.compile(r"(\d+) of (\d+) steps \((\d+)%\) done")


def run(sweep_file, out=None, cores=None, profile=None, extra=()):
    """Runs the sweep with Snakemake (local cores, or a profile such as the Slurm one), showing a
    progress bar with rate and time left; returns Snakemake's exit status."""
    from .progress import Progress
    sw = Sweep(sweep_file)
    out = os.path.abspath(out or os.path.join("traces", "sweeps", sw.name))
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ)
    # Snakemake's Slurm executor reads $USER, which a batch or container shell may not set.
    import pwd
    env.setdefault("USER", pwd.getpwuid(os.getuid()).pw_name)
    env["PYTHONPATH"] = os.path.dirname(HERE) + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    cmd = ["snakemake", "--snakefile", SNAKEFILE, "--directory", out, "--config", f"sweep={sw.path}",
           f"base={sw.base}", f"stoxvp={stoxvp_command()}", "--rerun-triggers", "mtime", "--printshellcmds",
           # Every point asks for the same resources: the ILP scheduler's solver run (a cbc
           # process) each time a core frees only costs time.
           "--scheduler", "greedy",
           # Local `run:` jobs (the table, a point's configuration) in a thread of this Snakemake,
           # not in a new Snakemake process each (about 0.8 s of CPU per sweep).
           "--force-use-threads"]
    if profile:
        cmd += ["--profile", os.path.abspath(profile)]
    else:
        cmd += ["--cores", str(cores or os.cpu_count() or 1)]
    cmd += list(extra)
    log_path = os.path.join(out, "snakemake.log")
    total = len(sw.points()) + 2
    bar = Progress(total, label=f"sweep {sw.name}", unit="steps", delay=0.0)
    with open(log_path, "a") as log:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        for line in p.stdout:
            log.write(line)
            log.flush()
            m = _STEPS.search(line)
            if m:
                bar.total = int(m.group(2))
                bar.update(int(m.group(1)))
            elif "Nothing to be done" in line:
                print(f"sweep {sw.name}: every point is done already", file=sys.stderr)
            elif re.search(r"Error|error:|Exception", line):
                sys.stderr.write(line)
        status = p.wait()
    bar.finish()
    if status == 0:
        print(f"sweep {sw.name}: {out}/results.csv, results.json, sweep.html (log: {log_path})")
    else:
        print(f"sweep {sw.name}: snakemake failed with status {status}; see {log_path}", file=sys.stderr)
    return status


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m stoxvp.sweep", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("run", help="run a sweep with Snakemake")
    r.add_argument("sweep")
    r.add_argument("--out", help="results directory (default traces/sweeps/<name>)")
    r.add_argument("--cores", type=int, help="local cores (default: all)")
    r.add_argument("--profile", help="a Snakemake profile directory, e.g. tools/sweep/slurm")
    c = sub.add_parser("check", help="validate a sweep file and list its points")
    c.add_argument("sweep")
    a, extra = ap.parse_known_args(argv)
    try:
        if a.what == "run":
            return run(a.sweep, a.out, a.cores, a.profile, extra)
        if extra:
            ap.error(f"unknown arguments {extra}")
        sw = Sweep(a.sweep)
        for pid, s in sw.points():
            print(pid, json.dumps(s, sort_keys=True))
        return 0
    except SweepError as e:
        print(f"stoxvp sweep: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
