"""One pending version through parse → validate → feed back → load, above both intake and quality.

Intake reads and stores submissions and quality checks them; neither knows the other. Combining
them (and preparing versions ahead in a helper process) happens here, which the Dagster assets,
the runner and the portal call.
"""
