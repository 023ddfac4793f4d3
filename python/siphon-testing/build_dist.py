#!/usr/bin/env python3
"""Builds the sdist and the wheel of siphon-http-testing into OUTDIR, offline.

    python3 build_dist.py OUTDIR

Uses the installed setuptools (and wheel) directly, as pip's build frontend would, without
fetching anything: no build isolation, so Debian's python3-setuptools and python3-wheel serve.
What setuptools leaves in the source tree (build/, *.egg-info) is removed afterwards.
"""

import contextlib
import io
import os
import pathlib
import shutil
import sys


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = pathlib.Path(argv[1]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    here = pathlib.Path(__file__).resolve().parent
    os.chdir(here)
    import setuptools.build_meta as backend
    log = io.StringIO()
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            sdist = backend.build_sdist(str(out))
            wheel = backend.build_wheel(str(out))
    except BaseException:
        sys.stderr.write(log.getvalue())
        raise
    finally:
        shutil.rmtree(here / "build", ignore_errors=True)
        for p in here.glob("*.egg-info"):
            shutil.rmtree(p, ignore_errors=True)
    print(out / sdist)
    print(out / wheel)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
