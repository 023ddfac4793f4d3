# A test context's start (siphon-http test): once the siphon importer (dev/siphon/http/py/boot.py,
# given no Bridge) made the siphon package and the testing modules importable, ScriptTestRunner
# calls this with its host object and the modules' names and sources; it returns runner.main.
# siphon._java has no bridge here: tests build http.Response and errors, and talk to the
# script's workers only through siphon_testing.

def _siphon_test_start(host, names, sources):
    import siphon_testing
    siphon_testing._host = host
    siphon_testing._sources = {str(names[i]): str(sources[i]) for i in range(len(names))}
    import runner
    return runner.main


_siphon_test_start
