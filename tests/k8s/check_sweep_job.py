#!/usr/bin/env python3
"""End-to-end check of `mycelium sweep --emit k8s-job` without a cluster.

Usage::

    check_sweep_job.py MYCELIUM SCENARIO SHARDS [--run-pods] [--awkward-text]

1. Writes the manifests for SCENARIO in SHARDS shards and validates every object against the
   official Kubernetes client's models (validate_k8s_objects.py).
2. Checks what the schema cannot: an Indexed Job of SHARDS completions, the container's
   arguments, JOB_COMPLETION_INDEX from the downward API, the labels, the ConfigMap volume
   naming the ConfigMap, and that every file the ConfigMap projects is byte for byte the file
   next to the scenario that the scenario names by that path.
3. With --run-pods: lays the ConfigMap out as the pod would see it, runs each pod's command
   (args with $(JOB_COMPLETION_INDEX) expanded, /scenario and /results mapped to folders),
   merges the shard files, and compares them byte for byte with `mycelium run SCENARIO`.

--awkward-text first copies the scenario's folder and rewrites the scenario with CRLF line
ends, a tab, non-ASCII text and no final newline (what a literal YAML block cannot carry), and
checks that copy: the ConfigMap must still hold the exact bytes.

Exit status 0 when all holds, 1 with the reasons on stderr otherwise. Works in a fresh
folder named after the process id under $TMPDIR, removed on success.
"""

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate_k8s_objects  # noqa: E402  (next to this file)
import yaml  # noqa: E402

LABELS = {"app.kubernetes.io/name": "mycelium", "app.kubernetes.io/component": "sweep"}


class Failed(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise Failed(what)


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise Failed(f"{' '.join(map(str, command))}: exit {result.returncode}\n{result.stderr}")
    return result


def read_exactly(path):
    """The text with its line ends as they are (read_text would turn CRLF into LF)."""
    return pathlib.Path(path).read_bytes().decode("utf-8")


def check_objects(config_map, job, scenario, shards):
    instance = yaml.safe_load(read_exactly(scenario))["metadata"]["name"]
    labels = dict(LABELS, **{"app.kubernetes.io/instance": instance})
    for obj in (config_map, job, job["spec"]["template"]):
        expect(obj["metadata"]["labels"] == labels,
               f"labels of {obj.get('kind', 'the pod template')}: {obj['metadata']['labels']}")
    spec = job["spec"]
    expect(spec["completionMode"] == "Indexed", "completionMode is not Indexed")
    expect(spec["completions"] == shards and spec["parallelism"] == shards,
           f"completions/parallelism {spec['completions']}/{spec['parallelism']}, want {shards}")
    pod = spec["template"]["spec"]
    expect(pod["restartPolicy"] == "Never", "restartPolicy is not Never")
    (container,) = pod["containers"]
    scenario_file = os.path.basename(scenario)
    expect(container["command"] == ["mycelium"], f"command {container['command']}")
    expect(container["args"] == ["sweep", f"/scenario/{scenario_file}", "--shard",
                                 f"$(JOB_COMPLETION_INDEX)/{shards}", "--jobs", "1", "-o",
                                 "/results/shard-$(JOB_COMPLETION_INDEX).h5"],
           f"args {container['args']}")
    (env,) = container["env"]
    expect(env == {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
        "fieldPath": "metadata.annotations['batch.kubernetes.io/job-completion-index']"}}},
        f"env {env}")
    expect(container["resources"]["requests"]["cpu"] == "1", "cpu request is not 1")
    mounts = {mount["name"]: mount for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    expect(mounts["scenario"]["mountPath"] == "/scenario", "scenario mount")
    expect(mounts["results"]["mountPath"] == "/results", "results mount")
    expect(volumes["scenario"]["configMap"]["name"] == config_map["metadata"]["name"],
           "the scenario volume does not name the ConfigMap")
    expect(volumes["results"]["persistentVolumeClaim"]["claimName"] == "mycelium-results",
           "default claim name")
    items = volumes["scenario"]["configMap"]["items"]
    expect(sorted(item["key"] for item in items) == sorted(config_map["data"]),
           "the volume's items are not the ConfigMap's keys")
    expect(items[0]["path"] == scenario_file, f"the scenario is projected as {items[0]['path']}")
    folder = pathlib.Path(scenario).parent
    for item in items:
        original = read_exactly(folder / item["path"])
        expect(config_map["data"][item["key"]] == original,
               f"ConfigMap key {item['key']} differs from {folder / item['path']}")
    return items, container["args"]


def run_pods(mycelium, scenario, shards, config_map, items, args, work):
    mount = work / "scenario"
    for item in items:
        target = mount / item["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(config_map["data"][item["key"]].encode("utf-8"))
    results = work / "results"
    results.mkdir()
    for index in range(shards):
        pod_args = [arg.replace("$(JOB_COMPLETION_INDEX)", str(index))
                    .replace("/scenario/", f"{mount}/").replace("/results/", f"{results}/")
                    for arg in args]
        run([mycelium] + pod_args + ["-q"])
    shard_files = sorted(str(path) for path in results.glob("shard-*.h5"))
    expect(len(shard_files) == shards, f"{len(shard_files)} shard files for {shards} pods")
    run([mycelium, "merge"] + shard_files + ["-o", str(work / "merged.h5")])
    run([mycelium, "run", scenario, "-q", "-o", str(work / "direct.h5")])
    expect((work / "merged.h5").read_bytes() == (work / "direct.h5").read_bytes(),
           "the pods' merged shards differ from `mycelium run` of the original scenario")


def awkward_copy(scenario, work):
    """A copy of the scenario's folder whose scenario has CRLF, a tab, non-ASCII, no last EOL."""
    folder = work / "awkward"
    shutil.copytree(pathlib.Path(scenario).parent, folder)
    copy = folder / pathlib.Path(scenario).name
    text = read_exactly(scenario).rstrip("\n") + "\n# a tab:\there, and non-ASCII: é, ü, 東京"
    copy.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    return str(copy)


def main(arguments):
    flags = {arg for arg in arguments[3:]}
    if len(arguments) < 3 or not flags <= {"--run-pods", "--awkward-text"}:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    mycelium, scenario, shards = arguments[0], arguments[1], int(arguments[2])
    work = pathlib.Path(tempfile.gettempdir()) / f"mycelium-check-sweep-job.{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        if "--awkward-text" in flags:
            scenario = awkward_copy(scenario, work)
        manifest = work / "job.yaml"
        run([mycelium, "sweep", scenario, "--emit", "k8s-job", "--shards", str(shards),
             "-o", str(manifest)])
        checked, problems = validate_k8s_objects.check_file(str(manifest))
        expect(not problems, "invalid Kubernetes objects:\n" + "\n".join(problems))
        documents = [doc for doc in yaml.safe_load_all(manifest.read_text()) if doc is not None]
        expect([doc["kind"] for doc in documents] == ["ConfigMap", "Job"],
               f"documents {[doc.get('kind') for doc in documents]}, want ConfigMap, Job")
        items, args = check_objects(documents[0], documents[1], scenario, shards)
        if "--run-pods" in flags:
            run_pods(mycelium, scenario, shards, documents[0], items, args, work)
    except Failed as failure:
        print(f"FAIL: {failure}\n(kept {work})", file=sys.stderr)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print(f"{scenario}: {checked} valid objects, {len(items)} files shipped"
          + (f", {shards} pods merged to the same bytes as mycelium run"
             if "--run-pods" in flags else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
