"""Print the Markdown table "layer class x backend" of the layer conformance results.

Each backend's results come from a pytest JUnit XML report of
``conformance/test_layers.py`` on that backend::

    POLYKERAS_BACKEND=numpy pytest conformance/test_layers.py --junitxml=numpy.xml
    python conformance/layer_table.py numpy=numpy.xml tensorflow=tf.xml theano=theano.xml

A cell is ``passed/total`` over every check of every case of that layer class
(a skipped or failed check counts in the total only); ``-`` means the report
has no test of that class. An argument without ``NAME=`` uses the file name
without its extension as the column title.
"""
import argparse
import collections
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_NAME = re.compile(r"^test_\w+\[(?P<case>.+)\]$")


def layer_of_case():
    """``{case id: layer class name}`` for every case of the spec modules."""
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    from layer_cases import all_cases
    return {case.id: case.layer for case in all_cases()}


def read_report(path, layers):
    """Count outcomes per layer class in one JUnit XML report.

    Args:
        path: the report written by ``pytest --junitxml``.
        layers: ``{case id: layer class}``; a case id not in it is counted
            under the part of the id before the first ``/``.

    Returns:
        ``{layer class: Counter(passed=..., total=...)}``.
    """
    counts = collections.defaultdict(collections.Counter)
    for testcase in ET.parse(path).getroot().iter("testcase"):
        if not testcase.get("classname", "").endswith("test_layers"):
            continue
        match = TEST_NAME.match(testcase.get("name", ""))
        if match is None:
            continue
        case_id = match.group("case")
        layer = layers.get(case_id, case_id.split("/", 1)[0])
        outcome = {child.tag for child in testcase} & {"failure", "error", "skipped"}
        counts[layer]["total"] += 1
        counts[layer]["passed"] += not outcome
    return counts


def markdown_table(columns, layers):
    """The table as Markdown text.

    Args:
        columns: ``[(backend name, {layer class: Counter})]`` in column order.
        layers: ``{case id: layer class}`` (gives the rows and case counts).

    Returns:
        The Markdown text, one row per layer class in alphabetical order.
    """
    cases_per_layer = collections.Counter(layers.values())
    names = sorted(set(cases_per_layer) | {name for _, c in columns for name in c})
    lines = ["| layer | cases | " + " | ".join(name for name, _ in columns) + " |",
             "| --- | ---: | " + " | ".join("---:" for _ in columns) + " |"]
    for name in names:
        cells = []
        for _, counts in columns:
            c = counts.get(name)
            cells.append(f"{c['passed']}/{c['total']}" if c else "-")
        lines.append(f"| {name} | {cases_per_layer.get(name, 0)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", metavar="[NAME=]REPORT.xml",
                        help="a JUnit XML report of test_layers.py, one per backend")
    args = parser.parse_args(argv)
    layers = layer_of_case()
    columns = []
    for item in args.reports:
        name, sep, path = item.partition("=")
        if not sep:
            name, path = os.path.splitext(os.path.basename(item))[0], item
        columns.append((name, read_report(path, layers)))
    print(markdown_table(columns, layers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
