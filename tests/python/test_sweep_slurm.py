"""The tiny sweep through a real one-node Slurm cluster (Snakemake 7's --slurm executor, the
shipped profile): every point is a batch job the scheduler ran, and the table equals the local
run's."""
import os
import re
import signal
import subprocess
import sys

import pytest

from slurm_cluster import Cluster

SRC = os.environ.get("STOXVP_SOURCE_DIR", os.getcwd())
TINY = os.path.join(SRC, "tests", "python", "sweeps", "tiny.yaml")
PROFILE = os.path.join(SRC, "tools", "sweep", "slurm")


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path / "slurm")
    try:
        yield c.start()
    finally:
        c.stop()


def test_tiny_sweep_through_slurm(cluster, tmp_path):
    local, remote = tmp_path / "local", tmp_path / "slurm-run"
    # The shipped profile, polling the scheduler every second instead of every 30 s (Snakemake's
    # default is kind to a busy cluster, slow for a test).
    import yaml
    profile = tmp_path / "profile"
    os.makedirs(profile)
    cfg = yaml.safe_load(open(os.path.join(PROFILE, "config.yaml")))
    cfg["max-status-checks-per-second"] = 1
    yaml.safe_dump(cfg, open(profile / "config.yaml", "w"))
    p = subprocess.run([sys.executable, "-m", "stoxvp.sweep", "run", TINY, "--out", str(local), "--cores", "2"],
                       capture_output=True, text=True, cwd=SRC)
    assert p.returncode == 0, p.stderr
    # Four points take seconds; a job the node cannot start is requeued and held, and Snakemake
    # would wait for it forever: give up after a while and say what the scheduler says. The run has
    # a process group of its own, so that giving up stops Snakemake too, not only the runner.
    p = subprocess.Popen([sys.executable, "-m", "stoxvp.sweep", "run", TINY, "--out", str(remote),
                          "--profile", str(profile)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, cwd=SRC, env=cluster.env, start_new_session=True)
    try:
        _, err = p.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        log = remote / "snakemake.log"
        pytest.fail("the sweep through Slurm did not finish in 300 s\n" + cluster.diagnose() +
                    "\nsnakemake.log:\n" + (open(log).read()[-3000:] if log.exists() else "(none)"))
    log = open(remote / "snakemake.log").read()
    assert p.returncode == 0, err + log[-4000:] + cluster.log("slurmctld.log")[-3000:]
    # Snakemake submitted every point as a batch job, and the scheduler ran each one.
    submitted = set(re.findall(r"Job \d+ has been submitted with SLURM jobid (\d+)", log))
    assert len(submitted) == 4, log[-4000:]
    import json
    ran = {json.load(open(remote / "points" / f))["slurm_job_id"] for f in os.listdir(remote / "points")}
    assert ran == submitted
    comp = open(cluster.jobcomp).read()
    for job in submitted:
        assert re.search(rf"JobId={job} .*JobState=COMPLETED", comp), comp
    # The same table as on the local cores.
    assert open(remote / "results.csv").read() == open(local / "results.csv").read()
