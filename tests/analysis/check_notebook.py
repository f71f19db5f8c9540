#!/usr/bin/env python3
"""Checks an executed notebook: no error output, exactly IMAGES PNG outputs, and every EXPECTED
text among the outputs (printed text and Markdown). Exit 0 when it holds, else the problems and
the outputs.

Usage: check_notebook.py EXECUTED.ipynb IMAGES EXPECTED...
"""

import sys

import nbformat

path, expected_images, expected_texts = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
notebook = nbformat.read(path, as_version=4)
outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/markdown", ""))
                 for o in outputs)
errors = [o for o in outputs if o.output_type == "error"]
images = [o for o in outputs if "image/png" in o.get("data", {})]
problems = []
if errors:
    problems.append(f"{len(errors)} error outputs")
if len(images) != expected_images:
    problems.append(f"{len(images)} images, expected {expected_images}")
for expected in expected_texts:
    if expected not in text:
        problems.append(f"no '{expected}' in the outputs")
if problems:
    sys.exit("FAIL: " + "; ".join(problems) + "\n--- outputs:\n" + text)
