# The importer of the siphon package: evaluated once per context, before anything else of
# siphon exists there. Its value (the last expression) is the function that Java calls with the
# module names, their sources (read from the jar's resources) and the context's Bridge:
# WorkerPool.bootstrap for a worker, which hands the Bridge to siphon._java (the one module that
# holds it) and gets siphon._runtime back; ScriptTestRunner for a test's context, with no Bridge
# (None) and the testing modules among the sources, which gets None back and imports them itself.
#
# Plain classes for the finder and loader: importlib.abc would import importlib.resources and
# some fifty modules with it (typing, inspect, tempfile).

def _siphon_boot(names, sources, bridge):
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
        # the siphon package (and a test context's modules), from the jar's resources
        def find_spec(self, fullname, path=None, target=None):
            if fullname not in srcs:
                return None
            pkg = fullname == "siphon"
            origin = "siphon/__init__.py" if pkg else fullname.replace(".", "/") + ".py"
            spec = spec_from_loader(fullname, loader, origin=origin, is_package=pkg)
            spec.has_location = True
            return spec

    sys.meta_path.insert(0, Finder())
    if bridge is None:
        return None
    import siphon._java as java
    java.install(bridge)
    import siphon._runtime as rt
    rt.install()
    return rt


_siphon_boot
