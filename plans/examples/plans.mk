# The example plans embedded for `offpeak demo`.
EXAMPLE_PLANS =
