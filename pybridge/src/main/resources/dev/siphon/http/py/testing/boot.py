# The importer of a test context (siphon-http test): evaluated once, before anything else. Its
# value is the function ScriptTestRunner calls with the module names and sources (the siphon
# package and the testing modules, from the jar) and its host object; it returns runner.main.
# siphon._java has no bridge here: tests build http.Response and errors, and talk to the
# script's workers only through siphon_testing.

def _siphon_test_boot(names, sources, host):
    import sys
    from importlib.util import spec_from_loader
    srcs = {str(names[i]): str(sources[i]) for i in range(len(names))}

    class Loader:
        def create_module(self, spec):
            return None

        def exec_module(self, module):
            exec(compile(srcs[module.__name__], module.__spec__.origin, "exec"), module.__dict__)

    loader = Loader()

    class Finder:
        def find_spec(self, fullname, path=None, target=None):
            if fullname not in srcs:
                return None
            pkg = fullname == "siphon"
            if fullname.startswith("siphon"):
                origin = "siphon/__init__.py" if pkg else fullname.replace(".", "/") + ".py"
            else:
                origin = "siphon-testing/" + fullname + ".py"
            spec = spec_from_loader(fullname, loader, origin=origin, is_package=pkg)
            spec.has_location = True
            return spec

    sys.meta_path.insert(0, Finder())
    import siphon_testing
    siphon_testing._host = host
    siphon_testing._sources = srcs
    import runner
    return runner.main


_siphon_test_boot
