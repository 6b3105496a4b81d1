"""The ``polykeras`` command line (also ``python -m polykeras``).

``polykeras info`` prints the backends found through entry points (available
or why not), the active backend, the configuration and the plugins with
what each registered (layers, losses, ...).
"""
import argparse
import sys

import polykeras
from polykeras import plugins
from polykeras.backend import config, selection


def info_lines():
    """The report of ``polykeras info``, as lines of text."""
    lines = [f"polykeras {polykeras.__version__} (Python {sys.version.split()[0]})", ""]
    try:
        settings = selection.settings()
        requested, source = config.requested_backend(settings)
    except config.ConfigError as exc:
        return lines + [f"configuration error: {exc}"]
    lines.append("backends:")
    for name, entry in sorted(plugins.manager.backends().items()):
        reason = entry.unavailable_reason()
        marker = "*" if name == requested else " "
        status = "available" if reason is None else reason
        lines.append(f" {marker} {name}: {status}  [{entry.plugin.distribution} "
                     f"{entry.plugin.version}]")
    lines.append("")
    lines.append(f"active backend: {requested} (from {source})")
    try:
        for line in selection.current().info():
            lines.append(f"  {line}")
    except Exception as exc:  # report, do not crash: this is a diagnostic tool
        lines.append(f"  cannot be activated: {exc}")
    lines.append("")
    lines.append(f"config file: {config.config_path()}")
    for key in list(config.DEFAULTS) + list(config.OPTIONAL):
        lines.append(f"  {key}: {settings[key]}")
    lines.append("")
    lines.append("plugins:")
    for info in sorted(plugins.manager.plugins.values(), key=lambda i: (i.group, i.name)):
        lines.append(f"  {info.name} ({info.group}): {info.distribution} {info.version}"
                     f" — {info.status}")
        if info.error is not None:
            cause = info.error.__cause__
            lines.append(f"    error: {info.error}" + (f" (cause: {cause!r})" if cause else ""))
        lines.extend(_registered_lines(info))
    return lines


def _registered_lines(info, most_names=12):
    """What a loaded plugin registered: the names, or a count for the built-ins
    and long lists."""
    if info.status != "loaded":
        return []
    if info.distribution == plugins.CORE_DISTRIBUTION:
        most_names = 0
    lines = []
    for kind, names in plugins.manager.registered_by(info.name).items():
        shown = ", ".join(names) if len(names) <= most_names else f"{len(names)} names"
        lines.append(f"    {kind}: {shown}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(prog="polykeras", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("info", help="backends, configuration and plugins")
    args = parser.parse_args(argv)
    if args.command != "info":
        parser.print_help()
        return 2
    print("\n".join(info_lines()))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
