#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-report.py - parsing and reporting for scripts/bench.sh (iperf3 JSON, ping, the table)
#
#   bench-report.py tcp CLIENT.json             -> "tcp_gbps V", "tcp_retr V", "tcp_bytes V"
#   bench-report.py udp CLIENT.json SERVER.json -> "udp_sent_kpps V", "udp_kpps V", "udp_loss V"
#   bench-report.py udpfix CLIENT.json SERVER.json -> the same as "udpfix_..." (fixed-rate test)
#   bench-report.py ping PING.out               -> "ping_min V", "ping_mean V", "ping_p99 V", ...
#   bench-report.py report RAW ENV [--json OUT] -> the table on stdout (and all numbers as JSON)
#
# RAW has one line per measurement, "RUN VARIANT METRIC VALUE" (VALUE "NA": not applicable), and
# "RUN VARIANT !error TEXT" for a variant that failed to run. ENV has "KEY<TAB>VALUE" lines.
# Parsers print "METRIC VALUE" lines for bench.sh to record; on malformed input they print the
# reason on stderr and exit 1 (bench.sh then counts the variant as failed to run).

import json
import math
import statistics
import sys

# key, label, unit, better ("hi"/"lo"/""), format, smallest denominator of a ratio (below it,
# the ratio of two near-zero numbers is noise and is not shown; None: no ratio for this metric)
METRICS = [
    ("tcp_gbps", "TCP throughput (1 stream)", "Gbit/s", "hi", "{:.2f}", 0),
    ("tcp_retr", "TCP retransmits per 10 s", "segs", "lo", "{:.0f}", 1),
    ("udp_sent_kpps", "UDP 64 B offered (-b 0)", "kpps", "", "{:.1f}", 0),
    ("udp_kpps", "UDP 64 B delivered (-b 0)", "kpps", "hi", "{:.1f}", 0),
    ("udp_loss", "UDP 64 B loss (-b 0)", "%", "lo", "{:.2f}", 0.01),
    ("udpfix_kpps", "UDP 64 B delivered at fixed rate", "kpps", "hi", "{:.1f}", 0),
    ("udpfix_loss", "UDP 64 B loss at fixed rate", "%", "lo", "{:.2f}", 0.01),
    ("ping_min", "ping RTT min", "us", "lo", "{:.1f}", 0),
    ("ping_mean", "ping RTT mean", "us", "lo", "{:.1f}", 0),
    ("ping_p99", "ping RTT p99", "us", "lo", "{:.1f}", 0),
    ("ping_loss", "ping loss (200 at 10 ms)", "%", "lo", "{:.1f}", None),
    ("rr_ktps", "TCP request/response, 1 B, 1 conn", "k/s", "hi", "{:.2f}", 0),
    ("cpu_tx", "CPU, sender's overlay process", "s/GiB", "lo", "{:.2f}", 0),
    ("cpu_rx", "CPU, receiver's overlay process", "s/GiB", "lo", "{:.2f}", 0),
    ("cpu_h3_s", "CPU, bystander h3's process in TCP", "s", "lo", "{:.2f}", 0.05),
    ("rss", "peak RSS of an overlay process", "MiB", "lo", "{:.1f}", 0),
    ("flood", "flooding: h3 rx / h2 rx bytes", "%", "lo", "{:.3f}", 0.1),
    # qdes-tap's control socket: TCP while stats -j and fdb show -j run 20/s, over TCP without;
    # then fdb show -j of a full FDB (65536 entries) and the daemon's peak RSS after it
    ("tcp_ctl_ratio", "TCP with control queries 20/s / without", "x", "hi", "{:.3f}", None),
    ("tcp_ctl3_ratio", "... queries to bystander h3 instead", "x", "hi", "{:.3f}", None),
    ("fdb_dump_ms", "fdb show -j, 65536 entries", "ms", "lo", "{:.0f}", None),
    ("rss_fdb", "peak RSS after that dump", "MiB", "lo", "{:.1f}", None),
    # 64-byte UDP again with that full FDB, over the same test with the FDB almost empty
    ("udpfdb_ratio", "UDP 64 B, full FDB / empty", "x", "hi", "{:.3f}", None),
]
VARIANT_ORDER = ["veth", "vxlan", "vde", "qdes", "sealed", "tinc", "ovpn", "wgvx"]
RATIOS = [("qdes", "vxlan"), ("qdes", "vde"), ("sealed", "qdes"), ("sealed", "vxlan"),
          ("sealed", "tinc"), ("sealed", "ovpn"), ("sealed", "wgvx")]


def fail(msg):
    print("bench-report: " + msg, file=sys.stderr)
    sys.exit(1)


def load_json(path):
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    if "error" in d:
        fail(f"{path}: iperf3: {d['error']}")
    return d


def out(key, val):
    print(f"{key} {val:.6g}" if isinstance(val, float) else f"{key} {val}")


def cmd_tcp(client):
    d = load_json(client)
    try:
        rcv = d["end"]["sum_received"]
        snd = d["end"]["sum_sent"]
        secs = rcv["seconds"]
        out("tcp_gbps", rcv["bits_per_second"] / 1e9)
        out("tcp_retr", snd.get("retransmits", 0) * 10.0 / secs)
        out("tcp_bytes", int(rcv["bytes"]))
    except (KeyError, TypeError, ZeroDivisionError) as e:
        fail(f"{client}: unexpected iperf3 JSON ({e!r})")


def cmd_udp(client, server, prefix="udp_"):
    c = load_json(client)
    s = load_json(server)
    try:
        snd = c["end"]["sum_sent"]
        rcv = s["end"]["sum"]  # the receiver's own view: highest sequence seen, lost
        sent = snd["packets"]
        # the server counts as lost whatever it did not get up to the highest sequence seen;
        # what the sender sent after that and never arrived is lost too
        delivered = rcv["packets"] - rcv["lost_packets"]
        out(prefix + "sent_kpps", sent / snd["seconds"] / 1e3)
        out(prefix + "kpps", delivered / rcv["seconds"] / 1e3)
        out(prefix + "loss", 100.0 * (sent - delivered) / sent if sent else float("nan"))
    except (KeyError, TypeError, ZeroDivisionError) as e:
        fail(f"{client}, {server}: unexpected iperf3 JSON ({e!r})")


def cmd_ping(path):
    times = []
    sent = None
    with open(path) as f:
        for line in f:
            if " time=" in line and "bytes from" in line:
                times.append(float(line.split(" time=")[1].split()[0]))
            elif "packets transmitted" in line:
                sent = int(line.split()[0])
    if not times or not sent:
        fail(f"{path}: no ping replies")
    times.sort()
    p99 = times[max(0, math.ceil(0.99 * len(times)) - 1)]  # nearest rank
    out("ping_min", times[0] * 1e3)
    out("ping_mean", statistics.fmean(times) * 1e3)
    out("ping_p99", p99 * 1e3)
    out("ping_loss", 100.0 * (sent - len(times)) / sent)


def fmt(fmtstr, v):
    if v is None:
        return "-"
    if isinstance(v, float) and math.isnan(v):
        return "n/a"
    return fmtstr.format(v)


def spread(vals):
    vals = [v for v in vals if v is not None and not math.isnan(v)]
    if not vals:
        return None
    return {"min": min(vals), "median": statistics.median(vals), "max": max(vals), "n": len(vals)}


def cell(fmtstr, sp, multi):
    if sp is None:
        return "-"
    if not multi or sp["n"] == 1:
        return fmt(fmtstr, sp["median"])
    return f"{fmt(fmtstr, sp['median'])} ({fmt(fmtstr, sp['min'])}-{fmt(fmtstr, sp['max'])})"


def ratio_cell(sp, multi):
    if sp is None:
        return "-"
    f = "{:.2f}x"
    if not multi or sp["n"] == 1:
        return fmt(f, sp["median"])
    return f"{fmt(f, sp['median'])} ({fmt('{:.2f}', sp['min'])}-{fmt('{:.2f}', sp['max'])})"


def cmd_report(raw, envfile, jsonout):
    env = {}
    with open(envfile) as f:
        for line in f:
            if "\t" in line:
                k, v = line.rstrip("\n").split("\t", 1)
                env[k] = v
    # values[variant][metric][run] = float or nan (not applicable); errors[(variant, run)]
    values, errors, runs, seen = {}, [], set(), []
    with open(raw) as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 3)
            if len(parts) < 3:
                continue
            run, var = int(parts[0]), parts[1]
            runs.add(run)
            if var not in seen:
                seen.append(var)
            if parts[2] == "!error":
                text = parts[3] if len(parts) > 3 else ""
                errors.append({"run": run, "variant": var, "error": text})
                continue
            if len(parts) < 4:
                continue
            v = float("nan") if parts[3] == "NA" else float(parts[3])
            values.setdefault(var, {}).setdefault(parts[2], {})[run] = v
    variants = [v for v in VARIANT_ORDER if v in seen] + [v for v in seen if v not in VARIANT_ORDER]
    runs = sorted(runs)
    multi = len(runs) > 1

    summary = {}
    for var in variants:
        summary[var] = {}
        for key, *_ in METRICS:
            per_run = values.get(var, {}).get(key, {})
            summary[var][key] = spread([per_run[r] for r in runs if r in per_run])
    ratios = {}
    for a, b in RATIOS:
        if a not in variants or b not in variants:
            continue
        name = f"{a}/{b}"
        ratios[name] = {}
        for key, *_, floor in METRICS:
            va, vb = values.get(a, {}).get(key, {}), values.get(b, {}).get(key, {})
            per_run = []
            for r in runs:  # compare only within one run: the machine is shared and noisy
                if floor is None or r not in va or r not in vb:
                    continue
                if math.isnan(va[r]) or math.isnan(vb[r]) or vb[r] <= 0:
                    continue
                if max(va[r], vb[r]) < floor:
                    continue
                per_run.append(va[r] / vb[r])
            ratios[name][key] = spread(per_run)
            if ratios[name][key]:
                ratios[name][key]["per_run"] = per_run

    # the environment first, then one table: rows are metrics, columns variants and ratios
    print("qdes-tap benchmark")
    for k in ["date", "kernel", "tcp_cc", "cpu", "nproc", "loadavg_start", "loadavg_end",
              "qdes_tap", "iperf3", "vdeplug", "peers", "vde_url", "runs", "tcp_secs", "udp_secs",
              "mtu"]:
        if k in env:
            print(f"  {k:<14} {env[k]}")
    print()
    heads = ["metric", "unit", "better"] + variants + list(ratios)
    rows = []
    for key, label, unit, better, f, _ in METRICS:
        label = label.replace("fixed rate", env.get("udp_fixed_kpps", "fixed") + " kpps")
        if not any(summary[v][key] for v in variants):
            continue
        row = [label, unit, {"hi": "higher", "lo": "lower"}.get(better, "")]
        row += [cell(f, summary[v][key], multi) for v in variants]
        row += [ratio_cell(ratios[n][key], multi) for n in ratios]
        rows.append(row)
    widths = [max(len(str(r[i])) for r in rows + [heads]) for i in range(len(heads))]
    def join(cells):  # text columns left, numbers right
        return "  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))

    print(join(heads))
    print("-" * len(join(heads)))
    for r in rows:
        print(join(r))
    print()
    if multi:
        print(f"cells: median (min-max) of {len(runs)} runs; ratios are taken within each run, "
              "then summarised the same way")
    print("'-': not measured or not applicable (the kernel's devices have no overlay process), "
          "or a ratio of two numbers near zero")
    for e in errors:
        print(f"FAILED: run {e['run']} {e['variant']}: {e['error']}")

    if jsonout:
        doc = {
            "env": env,
            "runs": len(runs),
            "variants": variants,
            "metrics": [{"key": k, "label": lb, "unit": u, "better": b}
                        for k, lb, u, b, *_ in METRICS],
            "results": {v: {k: [values.get(v, {}).get(k, {}).get(r) for r in runs]
                            for k, *_ in METRICS} for v in variants},
            "summary": summary,
            "ratios": ratios,
            "errors": errors,
        }

        def clean(o):  # JSON has no NaN: not applicable becomes null
            if isinstance(o, float) and math.isnan(o):
                return None
            if isinstance(o, dict):
                return {k: clean(v) for k, v in o.items()}
            if isinstance(o, list):
                return [clean(v) for v in o]
            return o

        with open(jsonout, "w") as f:
            json.dump(clean(doc), f, indent=1)
            f.write("\n")


def main(argv):
    if len(argv) >= 2 and argv[0] == "tcp":
        cmd_tcp(argv[1])
    elif len(argv) >= 3 and argv[0] in ("udp", "udpfix", "udpfdb"):
        cmd_udp(argv[1], argv[2], argv[0] + "_")
    elif len(argv) >= 2 and argv[0] == "ping":
        cmd_ping(argv[1])
    elif len(argv) >= 3 and argv[0] == "report":
        jsonout = argv[4] if len(argv) >= 5 and argv[3] == "--json" else None
        cmd_report(argv[1], argv[2], jsonout)
    else:
        fail("usage: bench-report.py tcp|udp|ping|report ...")


if __name__ == "__main__":
    main(sys.argv[1:])
