"""The spiking firmware end to end: Fashion-MNIST test images converted to events, the shipped
spiking model run by `stoxvp --firmware snn` on the snn_cim tiles, host-compiled and (when
built) on the RV32 ISS; every sample's output spike counts and prediction must equal the
independent numpy integer reference (tools/stoxnet/snnref.py) run on the model file as
Python reads it, and the two CPUs must agree exactly."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from tools.stoxnet import data, events, snn_train, snnref
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support"))
from tally import Tally  # noqa: E402  (tests/support)

BIN = os.environ["STOXVP_BIN"]
MODEL = os.path.join(os.environ["STOXVP_MODELS"], "snn_fmnist_w8v16.sxvm")
CPUS = ["host"] + (["riscv"] if os.environ.get("STOXVP_RISCV") == "ON" else [])
N, T = 12, 8
check = Tally()


x, y = data.load("test")
with tempfile.TemporaryDirectory() as tmp:
    ev_path = os.path.join(tmp, "ev.sxev")
    samples = events.convert_batch(x[:N], 1, range(N))
    events.write(ev_path, events.encode(samples, y[:N]))
    net = snnref.Network(snn_train.read_model(MODEL))
    ref_counts, ref_pred = [], []
    for ev in samples:
        net.reset()
        for m in events.bin_spikes(ev, T):
            net.step(m)
        c, v = net.counts[-1].reshape(-1), net.v[-1].reshape(-1)
        ref_counts.append(c.tolist())
        ref_pred.append(snn_train.predict(c, v))
    check(sum(sum(c) for c in ref_counts) > N, "the reference's output layer spikes")
    got = {}
    for cpu in CPUS:
        rep = os.path.join(tmp, f"{cpu}.json")
        r = subprocess.run([BIN, "--firmware", "snn", "--cpu", cpu, "--model", MODEL, "--events", ev_path,
                            "--timesteps", str(T), "--config", os.path.join(os.path.dirname(MODEL), "..", "configs", "snn.json"),
                            "--no-vcd", "--no-power", "--report", rep], capture_output=True, text=True)
        check(r.returncode == 0, f"{cpu}: exit {r.returncode}: {r.stderr}")
        if r.returncode:
            continue
        print(r.stdout.strip().splitlines()[-1 if cpu == "host" else 0])
        full = json.load(open(rep))
        s = full["snn"]
        # A synaptic operation is one accumulate: ops count it once, a MAC twice.
        acc, summ = full["accelerator"], full["summary"]
        sops = full["snn_cim"]["sops"]
        check(acc["sops"] == sops > 0 and summ["sops"] == sops, f"{cpu}: the summary's SOPs are the tiles' ({sops})")
        check(summ["ops"] == 2 * (acc["macs"] - sops) + sops and summ["tops_per_w"] == summ["ops"] / summ["energy_pj"],
              f"{cpu}: ops {summ['ops']} = 2 x {acc['macs'] - sops} MACs + {sops} SOPs, TOPS/W = ops / pJ")
        got[cpu] = s
        check(s["output_spike_counts"] == [v for c in ref_counts for v in c], f"{cpu}: output spike counts equal the reference")
        check(s["predictions"] == ref_pred, f"{cpu}: predictions equal the reference")
        check(s["labels"] == y[:N].tolist(), f"{cpu}: labels")
    if len(got) == 2:
        check(got["host"]["output_spike_counts"] == got["riscv"]["output_spike_counts"], "host and riscv identical")

check.finish()
