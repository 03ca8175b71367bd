"""Runs one workload under one tracer in a fresh interpreter; prints elapsed seconds as JSON."""
import importlib.util
import json
import os
import sys
import time


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main():
    method, workload, probe_dir, leaders_json, repeats, size = sys.argv[1:7]
    wl = load(workload, "workload")
    devnull = open(os.devnull, "w")
    times = []
    for _ in range(int(repeats)):
        if method == "untraced":
            t = time.perf_counter(); wl.main(size); times.append(time.perf_counter() - t)
        elif method == "tracefix":
            runner = load(os.path.join(probe_dir, "runner.py"), "_tracefix_runner")  # the probe's one loader
            tracer_mod = runner.load_private("tracer")
            leaders = {int(k): v for k, v in json.loads(leaders_json).items()}
            tr = tracer_mod.Tracer(wl.__file__, leaders, {})
            tr.start_test("bench")
            t = time.perf_counter()
            backend, _ = runner.contract.choose_backend("auto", sys.version_info, tracer_mod.monitoring_free())
            uninstall = tracer_mod.install(tr, backend)
            wl.main(size)
            uninstall()
            tr.end_test()
            times.append(time.perf_counter() - t)
        elif method == "coverage":
            import coverage
            cov = coverage.Coverage(data_file=None)
            t = time.perf_counter(); cov.start(); wl.main(size); cov.stop(); times.append(time.perf_counter() - t)
        elif method == "pysnooper":
            import pysnooper
            t = time.perf_counter()
            with pysnooper.snoop(output=devnull, depth=1000):
                wl.main(size)
            times.append(time.perf_counter() - t)
        elif method == "snoop":
            import snoop
            snoop.install(out=devnull, color=False)
            t = time.perf_counter()
            with snoop.snoop(depth=1000):
                wl.main(size)
            times.append(time.perf_counter() - t)
        elif method == "hunter":
            import hunter
            t = time.perf_counter()
            hunter.trace(module="workload", action=hunter.VarsSnooper(stream=devnull))
            wl.main(size)
            hunter.stop()
            times.append(time.perf_counter() - t)
    print(json.dumps(times))


main()
