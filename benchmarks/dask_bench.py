"""The distributed fit (neuronet.dask) beside the in-process fit, on the same rows.

    .venv/bin/python benchmarks/dask_bench.py            # 1,000,000 x 20, hidden 32 (make bench)
    .venv/bin/python benchmarks/dask_bench.py --quick    # tiny sizes: checks that it works

A regression table of 1,000,000 rows by 20 columns (a random teacher network's outputs plus
noise), a network 20-32-1 (relu), and the same ten L-BFGS iterations four ways, interleaved:
in-process with one BLAS thread and with the machine's threads, and through Dask with a
LocalCluster of one and of two worker processes (one thread each: Dask's workers run BLAS on
one thread). The rows are made on the workers, block by block, and persisted there before
the timed fits; the in-process runs get the same blocks. It prints medians, the ratios, the
bytes the client, scheduler and workers sent per evaluation, the cost of a Dask task measured
on this machine, and from those a projection of the time per iteration on 10, 100 and 1,000
workers. The record goes to benchmarks/results/dask-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import recording  # beside this script, whose folder Python puts first on sys.path

import neuronet

#: A 10 Gbit/s network moves this many bytes per second.
NETWORK_BYTES_PER_SECOND = 10e9 / 8
#: Round trip between two machines of one data centre, seconds (a typical figure; loopback's
#: is far less, so the measured cost of a Dask hop stands for the software's share only).
NETWORK_ROUND_TRIP = 200e-6


def block(index, rows, columns, hidden, seed):
    """Block ``index`` of the table: its own generator, so that any process makes the same."""
    rng = np.random.default_rng([seed, index])
    X = rng.standard_normal((rows, columns))
    teacher = np.random.default_rng(seed)
    A = teacher.standard_normal((columns, hidden)) / math.sqrt(columns)
    b = teacher.standard_normal(hidden) / math.sqrt(hidden)
    y = np.maximum(X @ A, 0) @ b + 0.1 * rng.standard_normal(rows)
    return X, y


def network(columns, hidden, seed=0):
    return neuronet.Network.mlp([columns, hidden, 1], hidden="relu", output="identity",
                                seed=seed)


def count_messages() -> None:
    """Count, in this process, the bytes of every message Dask writes to a TCP connection."""
    from distributed.comm import tcp

    if getattr(tcp.TCP.write, "counted", False):
        return
    original = tcp.TCP.write

    async def write(self, msg, serializers=None, on_error="message"):
        nbytes = await original(self, msg, serializers=serializers, on_error=on_error)
        tcp.bytes_written_by_dask = getattr(tcp, "bytes_written_by_dask", 0) + nbytes
        return nbytes

    write.counted = True
    tcp.TCP.write = write


def _written() -> int:
    from distributed.comm import tcp

    return getattr(tcp, "bytes_written_by_dask", 0)


def bytes_written(client) -> int:
    """Bytes of the messages sent so far by this process (the client, and the LocalCluster's
    scheduler that runs in it) and by the workers: each message counted once, by its sender,
    and nothing of other programs' traffic."""
    return _written() + sum(client.run(_written).values())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round")
    parser.add_argument("--repeats", type=int, default=None, help="timed rounds (default 5)")
    parser.add_argument("--iterations", type=int, default=None,
                        help="L-BFGS iterations per fit (default 10)")
    parser.add_argument("--out", type=Path, default=None, help="JSON file to write")
    args = parser.parse_args(argv)

    import dask
    import dask.array as da
    import distributed
    from dask.utils import key_split
    from threadpoolctl import threadpool_info, threadpool_limits

    import neuronet.dask as nd

    rows, columns, hidden, parts = (20_000, 20, 32, 4) if args.quick else (
        1_000_000, 20, 32, 8)
    repeats = args.repeats or (1 if args.quick else 5)
    iterations = args.iterations or (3 if args.quick else 10)
    seed = 7
    per_part = rows // parts
    blocks = [block(i, per_part, columns, hidden, seed) for i in range(parts)]
    X = np.concatenate([b[0] for b in blocks])
    y = np.concatenate([b[1] for b in blocks])
    del blocks

    def dask_rows():
        made = [dask.delayed(block, nout=2)(i, per_part, columns, hidden, seed)
                for i in range(parts)]
        Xd = da.concatenate([da.from_delayed(m[0], (per_part, columns), float) for m in made])
        yd = da.concatenate([da.from_delayed(m[1], (per_part,), float) for m in made])
        return Xd, yd

    clusters = {}
    for workers in (1, 2):
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                           processes=True, dashboard_address=None,
                                           silence_logs=logging.ERROR)
        client = distributed.Client(cluster, set_as_default=False)
        count_messages()
        client.run(count_messages)
        Xd, yd = dask_rows()
        Xd, yd = client.persist([Xd, yd])
        with client.as_current():
            distributed.wait(distributed.futures_of([Xd, yd]))
        clusters[workers] = (cluster, client, Xd, yd)

    def fit_settings():
        return dict(loss="mse", metrics=[])

    results = {}

    def record(name, seconds, net, n_fun, extra=None):
        results.setdefault(name, {"seconds": [], "n_fun": [], "weights": None})
        results[name]["seconds"].append(seconds)
        results[name]["n_fun"].append(n_fun)
        results[name]["weights"] = net.get_flat_weights()
        for key, value in (extra or {}).items():
            results[name].setdefault(key, []).append(value)

    def in_process(threads):
        def run():
            net = network(columns, hidden)
            optimizer = neuronet.LBFGS(tol=0.0)
            with threadpool_limits(threads):
                start = time.perf_counter()
                net.fit(X, y, optimizer=optimizer, epochs=iterations, **fit_settings())
                seconds = time.perf_counter() - start
            record(f"in-process, {threads or 'all'} BLAS thread{'s' * (threads != 1)}",
                   seconds, net, optimizer.result.n_fun)
        return run

    def on_cluster(workers):
        _, client, Xd, yd = clusters[workers]

        def run():
            net = network(columns, hidden)
            optimizer = neuronet.LBFGS(tol=0.0)
            sent = bytes_written(client)
            with distributed.get_task_stream(client) as stream:
                start = time.perf_counter()
                nd.fit(net, Xd, yd, optimizer=optimizer, max_iter=iterations, client=client,
                       **fit_settings())
                seconds = time.perf_counter() - start
            sent = bytes_written(client) - sent
            evaluations = optimizer.result.n_fun
            # Time the workers spent computing, as they report it: what is left of the wall
            # time is Dask's and the network's share (or other programs' on a shared machine).
            busy = sum(part["stop"] - part["start"] for task in stream.data
                       if key_split(task["key"]) == "neuronet-loss-and-gradient"
                       for part in task["startstops"] if part["action"] == "compute")
            record(f"dask, {workers} worker{'s' * (workers > 1)}", seconds, net, evaluations,
                   {"bytes_sent_per_evaluation": sent / evaluations,
                    "worker_compute_seconds_per_evaluation": busy / evaluations / workers})
        return run

    load = {"before": os.getloadavg()}
    runners = [in_process(1), in_process(None), on_cluster(1), on_cluster(2)]
    runners[0]()  # warm-up, untimed
    results.clear()
    for r in range(repeats):
        shift = r % len(runners)
        for run in runners[shift:] + runners[:shift]:
            time.sleep(0.3)
            run()

    load["after"] = os.getloadavg()
    # The cost of Dask itself on this machine: a task's round trip, and the scheduler's time
    # per task when many are in flight.
    _, client, _, _ = clusters[2]
    round_trips = []
    for _ in range(30):
        start = time.perf_counter()
        client.submit(int, 1, pure=False).result()
        round_trips.append(time.perf_counter() - start)
    n_tasks = 300 if args.quick else 3000
    start = time.perf_counter()
    client.gather(client.map(int, range(n_tasks), pure=False))
    per_task = (time.perf_counter() - start) / n_tasks
    pools = threadpool_info()
    for cluster, client, _, _ in clusters.values():
        client.close()
        cluster.close()

    reference = results["in-process, 1 BLAS thread"]["weights"]
    summary = {}
    for name, data in results.items():
        n_fun = statistics.median(data["n_fun"])
        seconds = statistics.median(data["seconds"])
        summary[name] = {
            "median_seconds": seconds, "min_seconds": min(data["seconds"]),
            "max_seconds": max(data["seconds"]), "evaluations": n_fun,
            "seconds_per_evaluation": seconds / n_fun,
            "weights_relative_difference": float(np.max(np.abs(data["weights"] - reference))
                                                 / np.max(np.abs(reference))),
        }
        for key in ("bytes_sent_per_evaluation", "worker_compute_seconds_per_evaluation"):
            if key in data:
                summary[name][key] = statistics.median(data[key])

    n_weights = network(columns, hidden).n_parameters()
    vector = 8 * n_weights
    alone = summary["in-process, 1 BLAS thread"]["seconds_per_evaluation"]
    one = summary["dask, 1 worker"]["seconds_per_evaluation"]
    two = summary["dask, 2 workers"]["seconds_per_evaluation"]
    compute_per_row = alone / rows
    hop = statistics.median(round_trips)
    wire_one = summary["dask, 1 worker"]["bytes_sent_per_evaluation"]
    wire_two = summary["dask, 2 workers"]["bytes_sent_per_evaluation"]
    wire_per_worker = max(wire_two - wire_one, 0.0)
    wire_base = max(wire_one - wire_per_worker, 0.0)
    projection = project(compute_per_row, rows, vector, hop, per_task, wire_base,
                         wire_per_worker)
    report = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "quick": args.quick, "repeats": repeats, "load_average": load,
        "settings": {"rows": rows, "columns": columns, "hidden": hidden, "partitions": parts,
                     "iterations": iterations, "weights": n_weights, "loss": "mse",
                     "dtype": "float64"},
        "threadpools": [{k: p.get(k) for k in ("internal_api", "version", "num_threads")}
                        for p in pools],
        "results": summary,
        "overhead_one_worker": one / alone,
        "overhead_one_worker_of_mins": (
            summary["dask, 1 worker"]["min_seconds"]
            / summary["in-process, 1 BLAS thread"]["min_seconds"]),
        "speedup_two_workers": one / two,
        "two_workers_over_in_process_all_threads":
            summary["in-process, all BLAS threads"]["seconds_per_evaluation"] / two,
        "dask_task_round_trip_seconds": hop,
        "dask_scheduler_seconds_per_task": per_task,
        "payload_bytes_per_vector": vector,
        "wire_bytes_per_evaluation_fixed": wire_base,
        "wire_bytes_per_evaluation_per_worker": wire_per_worker,
        "compute_seconds_per_row": compute_per_row,
        "projection": projection,
    }
    print(render(report))
    print(f"\nwritten: {recording.write(report, 'dask', args.quick, args.out)}")
    return 0


def project(compute_per_row, rows, vector, hop, per_task, wire_base, wire_per_worker) -> list:
    """Seconds per L-BFGS evaluation on W workers of one thread each, from measured figures:

    compute    c * rows / W              c: seconds per row, measured in-process, one thread
    scheduler  s * tasks                 s: the scheduler's time per task, measured with
                                         thousands in flight; tasks = W (one per worker) + the
                                         sums: ceil(W/8) + ceil(W/64) + ... while more than 8
    chain      (levels + 1) * (R + h)    the tasks start, each level of sums on the workers,
                                         then the client gathers the last <= 8 partial sums:
                                         each step a network round trip R and a Dask hop h
                                         (a trivial task's round trip, measured)
    bytes      (a + b * W) / B           everything Dask sends per evaluation (the weights
                                         inside the tasks, the partial sums, the messages),
                                         counted with 1 and 2 workers: a fixed
                                         part a and b per worker, through the scheduler's link
                                         of B = 10 Gbit/s

    for the same 1,000,000 rows spread over more workers (strong scaling) and for 1,000,000
    rows per worker (weak scaling). Moving a sum's 8 vectors takes 8 * vector / B, 36 us for
    705 weights: left out."""
    from neuronet.batches import FAN_IN

    lines = []
    for workers in (10, 100, 1000):
        tasks, parts, levels = workers, workers, 0
        while parts > FAN_IN:
            parts = math.ceil(parts / FAN_IN)
            tasks += parts
            levels += 1
        wire = wire_base + wire_per_worker * workers
        scheduler = per_task * tasks
        chain = (levels + 1) * (NETWORK_ROUND_TRIP + hop)
        sent = wire / NETWORK_BYTES_PER_SECOND
        for scaling, n in (("strong", rows), ("weak", rows * workers)):
            compute = compute_per_row * n / workers
            total = compute + scheduler + chain + sent
            lines.append({"workers": workers, "scaling": scaling, "rows": n,
                          "compute": compute, "tasks": tasks, "scheduler": scheduler,
                          "levels": levels, "chain": chain, "bytes": wire, "sending": sent,
                          "total": total, "efficiency": compute / total})
    return lines


def render(report) -> str:
    s = report["settings"]
    lines = [f"== dask-lbfgs  {s['rows']:,} x {s['columns']}, {s['columns']}-{s['hidden']}-1 "
             f"relu, {s['weights']} weights, {s['partitions']} partitions, "
             f"{s['iterations']} L-BFGS iterations, {report['repeats']} rounds"]
    lines.append(f"  {'run':<28}{'median s':>10}{'min-max s':>18}{'evals':>7}{'s/eval':>9}"
                 f"{'weights vs in-process':>24}{'bytes sent/eval':>17}"
                 f"{'worker compute s/eval':>23}")
    for name, r in report["results"].items():
        spread = f"{r['min_seconds']:.2f}-{r['max_seconds']:.2f}"
        sent = r.get("bytes_sent_per_evaluation")
        busy = r.get("worker_compute_seconds_per_evaluation")
        lines.append(f"  {name:<28}{r['median_seconds']:>10.3f}{spread:>18}"
                     f"{r['evaluations']:>7.0f}{r['seconds_per_evaluation']:>9.4f}"
                     f"{r['weights_relative_difference']:>24.1e}"
                     f"{'' if sent is None else f'{sent:,.0f}':>17}"
                     f"{'' if busy is None else f'{busy:.4f}':>23}")
    load = report["load_average"]
    lines.append(f"  load average before and after the runs: {load['before'][0]:.2f}, "
                 f"{load['after'][0]:.2f} (on {os.cpu_count()} cores)")
    overhead = report["overhead_one_worker"]
    lines.append(f"  target: dask with 1 worker / in-process on 1 thread = {overhead:.3f} "
                 f"(of the minimums: {report['overhead_one_worker_of_mins']:.3f}; goal <= 1.3): "
                 f"{'met' if overhead <= 1.3 else 'NOT met'}")
    lines.append(f"  speed-up with 2 workers over 1: {report['speedup_two_workers']:.2f}x; "
                 f"over in-process on all BLAS threads: "
                 f"{report['two_workers_over_in_process_all_threads']:.2f}x")
    lines.append(f"  payload per vector of weights or gradient: "
                 f"{report['payload_bytes_per_vector']:,} bytes; a Dask task's round trip "
                 f"{1e3 * report['dask_task_round_trip_seconds']:.2f} ms; scheduler time per "
                 f"task {1e6 * report['dask_scheduler_seconds_per_task']:.0f} us")
    lines.append(f"  measured: compute {1e9 * report['compute_seconds_per_row']:.0f} ns per row "
                 f"per evaluation; on the wire per evaluation "
                 f"{report['wire_bytes_per_evaluation_fixed']:,.0f} bytes + "
                 f"{report['wire_bytes_per_evaluation_per_worker']:,.0f} per worker")
    lines.append("  projection, seconds per evaluation on a 10 Gbit/s network:")
    lines.append(f"  {'workers':>8}{'scaling':>8}{'rows':>15}{'compute':>10}{'tasks':>7}"
                 f"{'sched.':>9}{'chain':>8}{'bytes':>12}{'send':>8}{'total':>9}"
                 f"{'efficiency':>12}")
    for p in report["projection"]:
        lines.append(f"  {p['workers']:>8}{p['scaling']:>8}{p['rows']:>15,}"
                     f"{p['compute']:>10.4f}{p['tasks']:>7}{p['scheduler']:>9.4f}"
                     f"{p['chain']:>8.4f}{p['bytes']:>12,.0f}{p['sending']:>8.4f}"
                     f"{p['total']:>9.4f}{p['efficiency']:>11.0%}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
