"""An installed libtwinfe serves an engineer's own program: `cmake --install` into a prefix,
then a small C program built against it with pkg-config and with CMake's find_package, run on
one and on two ranks; the installed app runs too, and `import twinfe` works from the prefix
alone (the installed package calls the installed library).
SPDX-License-Identifier: GPL-2.0-or-later"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import twinfe_cli as tc

args = tc.parse_args()
ck = tc.Checks("install")
build = os.path.dirname(os.path.dirname(os.path.abspath(args.app)))  # build/apps/twinfe
prefix = os.path.join(args.work_dir, "prefix")
consumer = os.path.join(args.source_dir, "tests", "clients", "consumer")
shutil.rmtree(prefix, ignore_errors=True)
libdir = "lib"  # GNUInstallDirs may choose lib/<multiarch> (prefix /usr): read what the build chose
with open(os.path.join(build, "CMakeCache.txt")) as cache:
    for line in cache:
        if line.startswith("CMAKE_INSTALL_LIBDIR:"):
            libdir = line.split("=", 1)[1].strip()

code, out, err = tc.run(["cmake", "--install", build, "--prefix", prefix])
ck.check(code == 0, f"cmake --install: {err}")
for path in ("include/twinfe/twinfe.h", f"{libdir}/pkgconfig/twinfe.pc", f"{libdir}/cmake/twinfe/twinfeConfig.cmake",
             "bin/twinfe", "share/twinfe/meshes/organ_phantom.nii.gz"):
    ck.check(os.path.exists(os.path.join(prefix, path)), f"{path} installed")


def runs_on_1_and_2_ranks(exe, how):
    code, out, err = tc.run([exe])
    ck.check(code == 0 and "rank 0 holds 144 tets" in out, f"{how} consumer, 1 rank: {out} {err}")
    code, out, err = tc.run([args.mpiexec, "-n", "2", exe])
    ck.check(code == 0 and "rank 1 holds" in out, f"{how} consumer, 2 ranks: {out} {err}")


# pkg-config, as in: mpicc prog.c $(pkg-config --cflags --libs twinfe)
env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, libdir, "pkgconfig"))
flags = subprocess.run(["pkg-config", "--cflags", "--libs", "twinfe"], env=env, capture_output=True, text=True)
ck.check(flags.returncode == 0, f"pkg-config twinfe: {flags.stderr}")
exe = os.path.join(args.work_dir, "consumer_pkgconfig")
built = subprocess.run(["mpicc", os.path.join(consumer, "consumer.c"), "-o", exe] + flags.stdout.split(),
                       capture_output=True, text=True)
ck.check(built.returncode == 0, f"mpicc with pkg-config flags: {built.stderr}")
if built.returncode == 0:
    runs_on_1_and_2_ranks(exe, "pkg-config")

# CMake, as in: find_package(twinfe) and target_link_libraries(prog twinfe::twinfe)
cbuild = os.path.join(args.work_dir, "consumer_cmake")
shutil.rmtree(cbuild, ignore_errors=True)
code, out, err = tc.run(["cmake", "-S", consumer, "-B", cbuild, f"-DCMAKE_PREFIX_PATH={prefix}"])
ck.check(code == 0, f"configure with find_package(twinfe): {out[-2000:]} {err}")
code, out, err = tc.run(["cmake", "--build", cbuild])
ck.check(code == 0, f"build with twinfe::twinfe: {out[-2000:]} {err}")
if code == 0:
    runs_on_1_and_2_ranks(os.path.join(cbuild, "consumer"), "CMake")

code, out, err = tc.run([os.path.join(prefix, "bin", "twinfe"), "version"])
ck.check(code == 0 and "0.2.0" in out, f"installed twinfe version: {out} {err}")

# the Python package from the prefix alone: no TWINFE_LIBRARY, the installed library
env = {k: v for k, v in os.environ.items() if k not in ("TWINFE_LIBRARY", "PYTHONPATH")}
env["PYTHONPATH"] = os.path.join(prefix, "lib", "python3", "dist-packages")
proc = subprocess.run([sys.executable, "-c", "import twinfe, twinfe._native as n; print(twinfe.version(), n._library_path())"],
                      env=env, capture_output=True, text=True, timeout=120)
ck.check(proc.returncode == 0 and proc.stdout.startswith("0.2.0 " + prefix),
         f"import twinfe from the prefix: {proc.stdout} {proc.stderr}")
ck.close()
