#!/usr/bin/env python3
"""Check Kubernetes manifests against the official client's models (python3-kubernetes).

Usage::

    validate_k8s_objects.py [--round-trip-only] FILE...

Every YAML document of every FILE must be a Kubernetes object whose apiVersion and kind name a
model class of the `kubernetes` client (v1 ConfigMap -> V1ConfigMap, batch/v1 Job -> V1Job,
apps/v1 Deployment -> V1Deployment, ...). Each document is checked twice:

1. A strict walk over the model's schema (`openapi_types`, `attribute_map`) reports, with the
   field path, every unknown field, every value of the wrong type (a number where the model
   wants a string counts: generated manifests must be exact) and every missing required field
   (the models raise on a required None when client-side validation is on).
2. The official round trip: `ApiClient` deserialises the document into the model and
   `sanitize_for_serialization` writes it back; anything that differs from the document (a
   field the model dropped or a value it coerced) is reported with its path. This does not
   depend on the walk above being right.

`--round-trip-only` skips the walk (for the validator's own tests: each check must catch errors
on its own). Duplicate mapping keys are errors too (kubectl refuses them; PyYAML would keep
the last one).
A document that is empty (e.g. after a leading comment and "---") is skipped.

Exit status: 0 all documents valid, 1 some are not (each problem on stderr as
"FILE: document N (Kind name): field.path: problem"), 2 bad usage or an unreadable file.
The client's version fixes the API version checked against (Debian 12: 22.6, Kubernetes 1.22).
"""

import datetime
import re
import sys

import kubernetes.client
import yaml
from kubernetes.client import models

PRIMITIVES = {"str": str, "int": int, "float": float, "bool": bool}


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys in a mapping."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def model_class_name(api_version, kind):
    """V1Job for batch/v1 Job: the client names models by version and kind."""
    version = api_version.split("/")[-1]
    return version[:1].upper() + version[1:] + kind


def describe(value):
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, bool):
        return f"the boolean {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return f"{type(value).__name__} {value!r}"


def join(path, key):
    return f"{path}.{key}" if path else str(key)


class StrictWalk:
    """Builds the model from the document the way ApiClient does, reporting every deviation."""

    def __init__(self):
        self.errors = []
        self.configuration = kubernetes.client.Configuration()
        self.configuration.client_side_validation = True

    def error(self, path, message):
        self.errors.append((path or "(document)", message))

    def value(self, data, type_name, path):
        if data is None:
            return None
        if type_name.startswith("list["):
            if not isinstance(data, list):
                self.error(path, f"expected a list, got {describe(data)}")
                return None
            item_type = type_name[5:-1]
            return [self.value(item, item_type, f"{path}[{i}]") for i, item in enumerate(data)]
        if type_name.startswith("dict("):
            value_type = re.match(r"dict\(([^,]*), (.*)\)", type_name).group(2)
            if not isinstance(data, dict):
                self.error(path, f"expected a mapping, got {describe(data)}")
                return None
            return {key: self.value(item, value_type, join(path, key))
                    for key, item in data.items()}
        if type_name in PRIMITIVES:
            wanted = PRIMITIVES[type_name]
            # bool is an int in Python; int is acceptable where the model wants a float.
            ok = isinstance(data, wanted) and not (wanted is int and isinstance(data, bool))
            ok = ok or (wanted is float and isinstance(data, int) and not isinstance(data, bool))
            if not ok:
                self.error(path, f"expected {type_name}, got {describe(data)}")
            return data
        if type_name == "object":
            return data
        if type_name in ("date", "datetime"):
            if not isinstance(data, (str, datetime.date)):
                self.error(path, f"expected a {type_name} string, got {describe(data)}")
            return data
        return self.model(data, type_name, path)

    def model(self, data, class_name, path):
        klass = getattr(models, class_name, None)
        if klass is None:
            self.error(path, f"the client has no model {class_name}")
            return None
        if not isinstance(data, dict):
            self.error(path, f"expected a mapping ({class_name}), got {describe(data)}")
            return None
        attribute_of = {json: attribute for attribute, json in klass.attribute_map.items()}
        arguments = {}
        for key, item in data.items():
            if key not in attribute_of:
                self.error(join(path, key), f"unknown field ({class_name} has no field {key!r})")
                continue
            attribute = attribute_of[key]
            arguments[attribute] = self.value(item, klass.openapi_types[attribute], join(path, key))
        try:
            return klass(local_vars_configuration=self.configuration, **arguments)
        except (ValueError, TypeError) as problem:
            message = str(problem)
            missing = re.match(r"Invalid value for `(\w+)`, must not be `None`", message)
            if missing and missing.group(1) in klass.attribute_map:
                self.error(join(path, klass.attribute_map[missing.group(1)]),
                           f"required field missing ({class_name})")
            else:
                self.error(path, f"{class_name}: {message}")
            return None


def covers(known, path):
    """Whether a problem at `known` explains one at `path` (the same field or inside it)."""
    if known == path or path.startswith(known + ".") or path.startswith(known + "["):
        return True
    return path == "(document)"  # the client refusing the whole document, for a known reason


def differences(written, read_back, path, out):
    """Every path where the round trip changed the document."""
    if isinstance(written, dict) and isinstance(read_back, dict):
        # In the document's order, so the report reads like the file.
        for key in list(written) + [key for key in read_back if key not in written]:
            if key not in read_back:
                out.append((join(path, key), "dropped by the model (unknown field, or null)"))
            elif key not in written:
                out.append((join(path, key), f"added by the model: {read_back[key]!r}"))
            else:
                differences(written[key], read_back[key], join(path, key), out)
    elif isinstance(written, list) and isinstance(read_back, list):
        if len(written) != len(read_back):
            out.append((path, f"{len(written)} items written, {len(read_back)} read back"))
        for i, (a, b) in enumerate(zip(written, read_back)):
            differences(a, b, f"{path}[{i}]", out)
    elif type(written) is not type(read_back) or written != read_back:
        out.append((path or "(document)",
                    f"written as {describe(written)}, read back as {describe(read_back)}"))


def round_trip(document, class_name):
    """The official deserialisation and serialisation; problems with their paths."""
    client = kubernetes.client.ApiClient()
    try:
        model = client._ApiClient__deserialize(document, class_name)
    except (ValueError, TypeError) as problem:
        return [("(document)", f"the client refuses it: {problem}")]
    out = []
    differences(document, client.sanitize_for_serialization(model), "", out)
    return out


def check_document(document, round_trip_only=False):
    if not isinstance(document, dict):
        return None, [f"(document): expected a Kubernetes object (a mapping), "
                      f"got {describe(document)}"]
    api_version, kind = document.get("apiVersion"), document.get("kind")
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    label = f"{kind} {name}" if name else str(kind)
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return label, ["(document): expected the strings apiVersion and kind"]
    class_name = model_class_name(api_version, kind)
    if not hasattr(models, class_name):
        return label, [f"apiVersion/kind: {api_version} {kind} is not a model of this client "
                       f"(looked for {class_name})"]
    walk = StrictWalk()
    if not round_trip_only:
        walk.model(document, class_name, "")
    problems = [f"{path}: {message}" for path, message in walk.errors]
    # The round trip's findings at paths the walk already explained would say the same again.
    for path, message in round_trip(document, class_name):
        if not any(covers(known, path) for known, _ in walk.errors):
            problems.append(f"{path}: {message}")
    return label, problems


def check_file(path, round_trip_only=False):
    """Number of documents checked and the problems found."""
    try:
        with open(path, encoding="utf-8") as stream:
            documents = list(yaml.load_all(stream, Loader=StrictLoader))
    except OSError as problem:
        raise SystemExit(f"{sys.argv[0]}: cannot read {path}: {problem.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as problem:
        return 0, [f"{path}: not valid YAML: {problem}"]
    problems = []
    checked = 0
    for number, document in enumerate(documents, start=1):
        if document is None:
            continue
        checked += 1
        label, found = check_document(document, round_trip_only)
        problems += [f"{path}: document {number} ({label}): {problem}" for problem in found]
    return checked, problems


def main(arguments):
    if not arguments or arguments[0] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    round_trip_only = arguments[0] == "--round-trip-only"
    if round_trip_only:
        arguments = arguments[1:]
    all_problems = []
    for path in arguments:
        try:
            checked, problems = check_file(path, round_trip_only)
        except SystemExit as failure:
            print(failure, file=sys.stderr)
            return 2
        all_problems += problems
        if not problems:
            print(f"{path}: {checked} Kubernetes objects valid")
    for problem in all_problems:
        print(problem, file=sys.stderr)
    return 1 if all_problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
