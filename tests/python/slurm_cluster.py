"""A real one-node Slurm cluster on this machine, for the tests: munged, slurmctld and slurmd
(Debian's munge and slurm-wlm) started in the foreground with their configuration, key, sockets,
state and logs in one temporary directory and ports of their own; stopped (by their process ids)
at the end, and by the kernel if the test process dies first (a test killed by CTest's timeout
runs no teardown; daemons in sessions of their own would outlive it). proctrack/linuxproc and
task/none: no cgroups needed. Finished jobs are written by jobcomp/filetxt, which shows what went
through the scheduler without an accounting database.

The daemons' directory is a short one under /tmp, not the test's own: slurmd makes a Unix socket
per job step in its spool directory (<spool>/<node>_<job>.<step>), and a socket path has at most
107 characters. Past that the step cannot start, the job is requeued and held, and a workflow
waiting for it hangs (CI's build directory under a longer path did exactly that). At the end the
logs are copied to the directory the test gave, for a failure to be read there."""
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

# sun_path holds 108 bytes with the terminating NUL.
SOCKET_PATH_MAX = 107
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, logs):
        self.logs = str(logs)
        self.root = tempfile.mkdtemp(prefix="stoxvp-slurm-", dir="/tmp")
        self.procs = []
        self.host = socket.gethostname()
        # The longest step socket: a job id of ten digits, the batch step's id (2^32 - 5).
        longest = os.path.join(self.root, "spool", f"{self.host}_{'9' * 10}.4294967291")
        if len(longest) > SOCKET_PATH_MAX:
            shutil.rmtree(self.root)
            raise RuntimeError(f"slurmd's step sockets would be {len(longest)} characters long "
                               f"(at most {SOCKET_PATH_MAX}): {longest}")
        self.conf = os.path.join(self.root, "slurm.conf")
        self.jobcomp = os.path.join(self.root, "jobcomp.txt")
        self.env = dict(os.environ, SLURM_CONF=self.conf)

    def _spawn(self, name, cmd):
        log = open(os.path.join(self.root, name + ".out"), "w")
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True,
                             preexec_fn=_die_with_parent)
        self.procs.append((name, p))
        return p

    def log(self, name):
        path = os.path.join(self.root, name)
        return open(path).read() if os.path.exists(path) else ""

    def start(self):
        r = self.root
        for d in ("munge", "state", "spool"):
            os.makedirs(os.path.join(r, d), mode=0o700, exist_ok=True)
        key = os.path.join(r, "munge", "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o400)
        sock = os.path.join(r, "munge", "munge.socket")
        self._spawn("munged", ["munged", "--foreground", "--force", f"--socket={sock}", f"--key-file={key}",
                               f"--log-file={r}/munge/munged.log", f"--pid-file={r}/munge/munged.pid",
                               f"--seed-file={r}/munge/munged.seed"])
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("munged did not start: " + self.log("munged.out") + self.log("munge/munged.log"))
        ctld, slurmd = _free_port(), _free_port()
        with open(self.conf, "w") as f:
            f.write(f"""ClusterName=stoxvptest
SlurmctldHost={self.host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld}
SlurmdPort={slurmd}
AuthType=auth/munge
AuthInfo=socket={sock}
CredType=cred/munge
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={r}/slurmctld.pid
SlurmdPidFile={r}/slurmd.pid
SlurmctldLogFile={r}/slurmctld.log
SlurmdLogFile={r}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc={self.jobcomp}
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=600
SlurmdTimeout=60
NodeName={self.host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes={self.host} Default=YES MaxTime=INFINITE State=UP
""")
        self._spawn("slurmctld", ["slurmctld", "-D", "-i", "-f", self.conf])
        self._spawn("slurmd", ["slurmd", "-D", "-f", self.conf])
        deadline = time.time() + 60
        while time.time() < deadline:
            for name, p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited with {p.returncode}: " + self.log(name + ".out") +
                                       self.log(name + ".log"))
            s = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, env=self.env)
            if s.returncode == 0 and s.stdout.strip() in ("idle", "mixed"):
                return self
            time.sleep(0.5)
        raise RuntimeError("the node did not become idle: " + self.log("slurmctld.log")[-3000:] +
                           self.log("slurmd.log")[-3000:])

    def stop(self):
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = []
        if os.path.isdir(self.root):
            os.makedirs(self.logs, exist_ok=True)
            for name in os.listdir(self.root):
                if name.endswith((".log", ".out", ".txt", ".conf")):
                    shutil.copy(os.path.join(self.root, name), self.logs)
            shutil.rmtree(self.root, ignore_errors=True)

    def diagnose(self):
        """What the scheduler says about the jobs and the node, and slurmd's errors: for a test
        that gives up waiting."""
        out = []
        for cmd in (["squeue", "-h", "-o", "%i %T %r"], ["sinfo", "-h", "-o", "%N %T %E"]):
            s = subprocess.run(cmd, capture_output=True, text=True, env=self.env)
            out.append("$ " + " ".join(cmd) + "\n" + s.stdout + s.stderr)
        errors = [l for l in self.log("slurmd.log").splitlines() if "error" in l and "pmix" not in l]
        out.append("slurmd errors:\n" + "\n".join(errors[-20:]))
        return "\n".join(out)
