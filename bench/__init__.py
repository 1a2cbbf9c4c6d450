"""The benchmark (`make bench`): latency, throughput, stream lag and capacity cost, measured
side by side against the product run as its own processes. Not shipped with the product."""
