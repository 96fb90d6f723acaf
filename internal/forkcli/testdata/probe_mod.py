# Imported by probe.py: each import appends a line to $PROBE_IMPORTS.
import os

with open(os.environ["PROBE_IMPORTS"], "a") as f:
    f.write("imported\n")
