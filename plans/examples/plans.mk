# The example plans embedded for `offpeak demo`.
EXAMPLE_PLANS = \
	plans/examples/plans/db-uplinks-25g.json \
	plans/examples/plans/fw-edge-upgrade.json \
	plans/examples/plans/haproxy-upgrade.json \
	plans/examples/plans/kernel-db-primary.json \
	plans/examples/plans/kernel-db-replica.json \
	plans/examples/plans/nginx-upgrade.json \
	plans/examples/plans/openssl-emergency.json \
	plans/examples/plans/pg16-upgrade.json \
	plans/examples/plans/php-fpm-tuning.json \
	plans/examples/plans/switch-fw-core-1.json \
	plans/examples/plans/switch-fw-core-2.json \
	plans/examples/plans/tls-rotation.json \
	plans/examples/plans/wal-volume-db-replica.json \
	plans/examples/plans/web3-hypervisor-move.json
