"""``python -m regie.fees.fake_mollie --port 8765``: the simulated Mollie alone."""

from regie.fees.fake_mollie.demo import main

main()
