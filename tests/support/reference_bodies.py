"""Request bodies given byte for byte in ../shared/reference/ (whitespace removed), for tests to compare with."""

EXOSPHERE_UPSERT = (
    b'{"secrets":{"k":"v"},"nodes":[{"node_name":"A","namespace":"ns","identifier":"a","inputs":{"x":"1"},'
    b'"next_nodes":["b"],"unites":null},{"node_name":"B","namespace":"ns","identifier":"b",'
    b'"inputs":{"y":"${{ a.outputs.z }}"},"next_nodes":null,"unites":{"identifier":"a","strategy":"ALL_SUCCESS"}}],'
    b'"retry_policy":{"max_retries":3,"strategy":"EXPONENTIAL","backoff_factor":2000,"exponent":2,"max_delay":null},'
    b'"store_config":{"required_keys":["c"],"default_values":{}},'
    b'"triggers":[{"type":"CRON","value":{"expression":"0 9 * * 1-5"}}]}'
)
"""The exospherehost 0.0.3 upsert body of the reference's example."""
