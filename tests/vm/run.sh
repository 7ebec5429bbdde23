#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run.sh - "make vmtest": boot Debian's distribution kernel in qemu (TCG) with
# the host's root file system as a read-only virtio-9p root (a tmpfs overlay
# on top), run guest scripts from this checkout inside it, power off, and
# check the guest's kernel log for oopses, BUGs and WARNINGs.
#
#   tests/vm/run.sh [GUEST_SCRIPT...]
#
# GUEST_SCRIPT is a path or a short name (cifs = tests/vm/guest_cifs.sh);
# without one: guest_kmod.sh (when dittofs.ko builds for the guest kernel),
# then guest_cifs.sh, then guest_kernel.sh (dittofsd in kernel mode behind
# dittofs.ko, with the module), then guest_hostile.sh (test_hostile.py's
# cases against kernel mode), then guest_ktorture.sh (smbtorture suites of
# tests/integration against kernel mode). dittofs.ko is rebuilt for KVER
# first when its headers are installed.
#
# Environment:
#   BUILD        build directory holding dittofsd/dittofsctl (default: build)
#   KVER         guest kernel version (default: the newest /boot/vmlinuz-*
#                of the installed linux-image-amd64, never the host's uname -r)
#   VM_TIMEOUT   seconds for the whole boot + tests + poweroff (default 1800;
#                Documentation/vm.md has what the default list takes)
#   VM_MEM       guest memory in MiB (default 2048)
#   VM_SMP       guest CPUs (default 2)
#   VM_ACCEL     qemu accelerator (default tcg; kvm where it works)
#   VM_NO_DEPS=1 do not apt-get install what is missing
#   VM_NO_KMOD=1 do not build kmod/dittofs.ko
#   CIFS_*, KERNEL_*, STEP_TIMEOUT, DITTOFS_KO   passed on to the guest scripts
#
# The last line is "VMTEST RESULT: PASS" or "VMTEST RESULT: FAIL"; the exit
# status is 0 only for PASS. Console, guest kernel log and guest logs are
# kept in $BUILD/vm/.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in
/*) BUILD_DIR=$BUILD ;;
*) BUILD_DIR=$REPO_DIR/$BUILD ;;
esac

# The guest mounts fresh /tmp, /dev, /proc, /sys and /run over the host's, so
# a checkout under one of them (a CI clone in /tmp, say) is invisible there:
# run from a staged copy under /var/tmp instead and bring the logs back.
case $REPO_DIR/ in
/tmp/* | /dev/* | /proc/* | /sys/* | /run/*)
	if [[ -z ${VMTEST_STAGED:-} ]]; then
		stage=$(mktemp -d /var/tmp/dittofs-vm.XXXXXX)
		trap 'rm -rf -- "$stage"' EXIT
		tar -C "$REPO_DIR" --exclude=./.git --exclude=./build --exclude=./build-asan \
			-cf - . | tar -C "$stage" -xf -
		mkdir -p "$stage/build"
		cp -a "$BUILD_DIR/dittofsd" "$BUILD_DIR/dittofsctl" "$stage/build/"
		echo "vmtest: $REPO_DIR is hidden from the guest; running from $stage"
		rc=0
		VMTEST_STAGED=1 BUILD="$stage/build" bash "$stage/tests/vm/run.sh" "$@" || rc=$?
		mkdir -p "$BUILD_DIR/vm"
		cp -a "$stage/build/vm/." "$BUILD_DIR/vm/" 2>/dev/null || true
		exit "$rc"
	fi
	;;
esac

VM_TIMEOUT=${VM_TIMEOUT:-1800}
VM_MEM=${VM_MEM:-2048}
VM_SMP=${VM_SMP:-2}
VM_ACCEL=${VM_ACCEL:-tcg}
VM_DIR=$BUILD_DIR/vm
RESULTS=$VM_DIR/results

# Loaded in this order before the 9p root can be mounted; a module that is
# built in (or absent from this kernel) is skipped.
INITRD_MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev
	virtio_pci 9pnet 9pnet_virtio netfs fscache 9p overlay)

die() {
	echo "vmtest: $*" >&2
	echo "VMTEST RESULT: FAIL"
	exit 1
}

install_deps() {
	local pkgs=()
	command -v qemu-system-x86_64 >/dev/null || pkgs+=(qemu-system-x86)
	# guest_kernel.sh's named streams live on an XFS image
	command -v mkfs.xfs >/dev/null || pkgs+=(xfsprogs)
	[[ -x /bin/busybox ]] && /bin/busybox --list 2>/dev/null | grep -qx switch_root ||
		pkgs+=(busybox-static)
	# the guest kernel and the headers dittofs.ko builds against
	compgen -G '/boot/vmlinuz-*' >/dev/null || pkgs+=(linux-image-amd64)
	dpkg-query -W -f '${Status}\n' linux-image-amd64 2>/dev/null |
		grep -q 'ok installed' || pkgs+=(linux-image-amd64)
	dpkg-query -W -f '${Status}\n' linux-headers-amd64 2>/dev/null |
		grep -q 'ok installed' || pkgs+=(linux-headers-amd64)
	((${#pkgs[@]})) || return 0
	[[ ${VM_NO_DEPS:-0} == 1 ]] && die "missing packages: ${pkgs[*]}"
	echo "vmtest: installing ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null
}

# The kernel linux-image-amd64 points at: the newest installed vmlinuz whose
# modules are present.
pick_kver() {
	local dep v
	if [[ -n ${KVER:-} ]]; then
		echo "$KVER"
		return
	fi
	dep=$(dpkg-query -W -f '${Depends}' linux-image-amd64 2>/dev/null |
		grep -o 'linux-image-[0-9][^ ,]*' | head -n 1) || true
	v=${dep#linux-image-}
	if [[ -n $v && -f /boot/vmlinuz-$v ]]; then
		echo "$v"
		return
	fi
	for v in $(cd /boot && ls -1 vmlinuz-* 2>/dev/null | sed 's/^vmlinuz-//' | sort -V -r); do
		[[ -d /lib/modules/$v/kernel ]] && {
			echo "$v"
			return
		}
	done
	return 1
}

# Copy module NAME for KVER into DIR, decompressed; print its file name, or
# nothing when the kernel has it built in or lacks it.
copy_module() {
	local name=$1 dir=$2 f
	f=$(find "/lib/modules/$KVER/kernel" -name "$name.ko" -o -name "$name.ko.xz" \
		-o -name "$name.ko.zst" -o -name "$name.ko.gz" | head -n 1)
	[[ -n $f ]] || return 0
	case $f in
	*.xz) xz -dc "$f" >"$dir/$name.ko" ;;
	*.zst) zstd -qdc "$f" >"$dir/$name.ko" ;;
	*.gz) gzip -dc "$f" >"$dir/$name.ko" ;;
	*) cp "$f" "$dir/$name.ko" ;;
	esac
	echo "$name.ko"
}

build_initramfs() {
	local root=$VM_DIR/initramfs m f
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,lib/modules,ro,rw,newroot}
	cp /bin/busybox "$root/bin/busybox"
	: >"$root/lib/modules/order"
	for m in "${INITRD_MODULES[@]}"; do
		f=$(copy_module "$m" "$root/lib/modules")
		[[ -n $f ]] && echo "$f" >>"$root/lib/modules/order"
	done
	cp "$HERE/initramfs-init" "$root/init"
	chmod 0755 "$root/init"
	(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) |
		gzip -1 >"$VM_DIR/initramfs.cpio.gz"
}

# --- main ----------------------------------------------------------------

scripts=()
if (($# > 0)); then
	for s in "$@"; do
		if [[ -f $s ]]; then
			s=$(cd "$(dirname "$s")" && pwd)/$(basename "$s")
		else
			s=${s##*/}
			s=${s%.sh}
			s=$HERE/guest_${s#guest_}.sh
		fi
		[[ -f $s ]] || die "no guest script $s"
		scripts+=("$s")
	done
else
	# guest_kmod.sh joins when the module can be built (see below)
	scripts+=("$HERE/guest_cifs.sh")
	default_scripts=1
fi
for s in "${scripts[@]}"; do
	case $s in
	/tmp/* | /dev/* | /proc/* | /sys/* | /run/*)
		die "$s: the guest mounts its own /tmp, /dev, /proc, /sys and /run; keep scripts elsewhere"
		;;
	esac
done

install_deps
KVER=$(pick_kver) || die "no installed distribution kernel under /boot (linux-image-amd64)"
[[ -f /boot/vmlinuz-$KVER ]] || die "/boot/vmlinuz-$KVER is missing"
[[ -d /lib/modules/$KVER/kernel ]] || die "/lib/modules/$KVER is missing"
# The host root is shared read-only with the guest: the kernel image must be
# readable by qemu and the modules must be there for modprobe in the guest.
mkdir -p "$VM_DIR"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
: >"$VM_DIR/console.log"
build_initramfs

# dittofs.ko for exactly this kernel, when its headers are installed
if [[ ${VM_NO_KMOD:-0} != 1 && -f $REPO_DIR/kmod/Kbuild && -d /lib/modules/$KVER/build ]]; then
	echo "vmtest: building kmod/dittofs.ko for $KVER"
	make -s -C "$REPO_DIR/kmod" KVER="$KVER" W=1 >"$VM_DIR/kmod-build.log" 2>&1 ||
		die "kmod build failed; see ${VM_DIR#"$REPO_DIR"/}/kmod-build.log"
	grep -i 'warning' "$VM_DIR/kmod-build.log" || true
fi

# Settings for the guest scripts travel in the results share (the guest
# does not inherit this environment); guest_init.sh sources the file.
for n in $(compgen -v); do
	case $n in
	CIFS_* | KERNEL_* | STEP_TIMEOUT | DITTOFS_KO) printf 'export %s=%q\n' "$n" "${!n}" ;;
	esac
done >"$RESULTS/env"

if [[ ${default_scripts:-0} == 1 && -f $REPO_DIR/kmod/dittofs.ko &&
	$(modinfo -F vermagic "$REPO_DIR/kmod/dittofs.ko" 2>/dev/null) == "$KVER "* ]]; then
	scripts=("$HERE/guest_kmod.sh" "${scripts[@]}" "$HERE/guest_kernel.sh"
		"$HERE/guest_hostile.sh" "$HERE/guest_ktorture.sh")
fi
script_list=$(
	IFS=,
	echo "${scripts[*]}"
)
append="console=ttyS0 panic=-1 oops=panic quiet loglevel=4"
append+=" vmtest.scripts=$script_list vmtest.repo=$REPO_DIR vmtest.build=$BUILD_DIR"

echo "vmtest: kernel $KVER, accel $VM_ACCEL, ${VM_SMP} CPUs, ${VM_MEM} MiB; scripts: ${scripts[*]##*/}"
start=$(date +%s.%N)
rc=0
# The console is streamed line by line (and kept); qemu's exit is the
# guest's poweroff. -no-reboot turns a panic into an exit as well.
timeout --foreground -k 10 "$VM_TIMEOUT" \
	qemu-system-x86_64 -accel "$VM_ACCEL" -cpu max -smp "$VM_SMP" -m "$VM_MEM" \
	-nographic -no-reboot -nic none \
	-kernel "/boot/vmlinuz-$KVER" -initrd "$VM_DIR/initramfs.cpio.gz" \
	-append "$append" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$RESULTS,mount_tag=results,security_model=none,multidevs=remap" \
	</dev/null 2>&1 |
	while IFS= read -r line; do
		line=${line%$'\r'}
		printf '%s\n' "$line"
		printf '%s\n' "$line" >>"$VM_DIR/console.log"
	done || rc=$?
end=$(date +%s.%N)
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

verdict=PASS
why=()
if [[ $rc == 124 ]]; then
	verdict=FAIL
	why+=("timed out after ${VM_TIMEOUT}s")
fi
result=$(cat "$RESULTS/result" 2>/dev/null || true)
if [[ $result != PASS ]]; then
	verdict=FAIL
	why+=("guest result: ${result:-none (the guest did not finish)}")
fi
if [[ -f $RESULTS/dmesg.txt ]]; then
	cp "$RESULTS/dmesg.txt" "$VM_DIR/dmesg.txt"
	if grep -nE 'Oops|BUG:|WARNING:|KASAN|lockdep|general protection fault|Call Trace:' \
		"$RESULTS/dmesg.txt" >"$VM_DIR/dmesg-bad.txt"; then
		verdict=FAIL
		why+=("guest kernel log has oops/BUG/WARNING lines:")
		while IFS= read -r l; do why+=("  $l"); done <"$VM_DIR/dmesg-bad.txt"
	fi
else
	# no clean log: fall back to what reached the console
	if grep -nE 'Oops|BUG:|WARNING:|KASAN|lockdep|Kernel panic' "$VM_DIR/console.log" \
		>"$VM_DIR/dmesg-bad.txt"; then
		verdict=FAIL
		why+=("console shows a kernel failure:")
		while IFS= read -r l; do why+=("  $l"); done <"$VM_DIR/dmesg-bad.txt"
	fi
fi
[[ -f $RESULTS/timing ]] && cat "$RESULTS/timing"
echo "vmtest: wall time ${wall}s (qemu start to poweroff); logs in ${VM_DIR#"$REPO_DIR"/}/"
for w in "${why[@]}"; do echo "vmtest: $w"; done
echo "VMTEST RESULT: $verdict"
# the totals of the guest suites (their own "N passed, N failed" lines); a
# guest that died before reporting counts one failure
read -r n_pass n_fail < <(awk '
	/^(kmod|cifs|kernel|hostile|ktorture): [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4 }
	END { print p + 0, f + 0 }' "$VM_DIR/console.log")
[[ $verdict == PASS ]] || ((n_fail > 0)) || n_fail=1
echo "vmtest: $n_pass passed, $n_fail failed"
[[ $verdict == PASS ]]
