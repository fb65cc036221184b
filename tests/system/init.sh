#!/bin/sh
# /init of the system-mode test initramfs (scripts/build-initramfs.sh), run by
# busybox sh as PID 1 under qemu-system-arm or rsemu-system-arm.
#
# Console protocol (the host greps for these; everything else is informative):
#   RSEMU-USERSPACE-UP            once, first thing (the boot benchmark times it)
#   RESULT pipeline <v:n,...>     seq | awk | sort | uniq -c, one line
#   RESULT md5 <md5> <bytes>      md5sum of a generated file
#   RESULT gzip <md5>             gzip -9 | gunzip round trip of that file
#   RESULT hostfile <label> <md5> phase write: md5 of /host.txt on the disk
#   RESULT guestfile <label> <md5> phase verify: md5 of /guest.txt on the disk
#   RESULT nodisk <label>         phase write/verify: no disk with that label
#   RESULT error <what>           anything that failed (the run carries on)
#   RSEMU-DONE                    last line before poweroff -f
# INFO and LOG lines are for people (LOG: the kernel's messages about the
# devices, copied from dmesg at the end).
#
# Kernel command line: rsemu.phase=write|verify|none (default none) selects
# the disk work on the ext4 disks labelled RSEMU_RAW and RSEMU_QCOW (made by
# scripts/make-disks.sh); rsemu.verbose=1 leaves kernel messages on the console
# (by default the console log level is lowered after the marker so that kernel
# messages cannot break RESULT lines).
#
# On the host, `sh tests/system/init.sh --expected` runs the same workload with
# the host's tools and prints the RESULT lines a correct guest prints
# (pipeline, md5, gzip, and the guestfile md5s a verify phase must show).

LABELS="RSEMU_RAW RSEMU_QCOW"
stamp() { :; }  # guest: prints the uptime at a step

# N lines of pseudo-random data (MINSTD generator: every intermediate value is
# an integer below 2^53, so any awk computes the same bytes).
gen_data() {
    awk -v n="$1" -v seed="$2" 'BEGIN {
        x = seed
        for (i = 1; i <= n; i++) {
            x = (x * 48271) % 2147483647
            printf "%06d %10d %s\n", i, x, substr("abcdefghijklmnopqrstuvwxyz", x % 26 + 1, x % 7 + 1)
        }
    }'
}

# The content the guest writes to /guest.txt on the disk labelled $1.
guest_content() {
    echo "rsemu guest.txt on $1"
    gen_data 8000 "${#1}"
}

md5_of() { md5sum "$1" | cut -d' ' -f1; }

# The CPU workload: prints RESULT pipeline/md5/gzip. $1: a scratch directory.
workload() {
    w=$1
    r=$(seq 1 6000 | awk '{ print ($1 * $1 + 7) % 1009 % 17 }' | sort -n | uniq -c |
        awk '{ printf "%s%s:%s", sep, $2, $1; sep = "," } END { print "" }')
    [ -n "$r" ] || echo "RESULT error pipeline"
    echo "RESULT pipeline $r"
    stamp "pipeline done"
    gen_data 12000 12345 > "$w/data" || echo "RESULT error gen_data"
    stamp "data generated"
    n=$(wc -c < "$w/data")
    echo "RESULT md5 $(md5_of "$w/data") $((n))"
    gzip -9 -c "$w/data" > "$w/data.gz" || echo "RESULT error gzip"
    stamp "gzip done"
    gunzip -c "$w/data.gz" > "$w/data.out" || echo "RESULT error gunzip"
    cmp -s "$w/data" "$w/data.out" || echo "RESULT error gzip-roundtrip-differs"
    echo "RESULT gzip $(md5_of "$w/data.out")"
    n=$(wc -c < "$w/data.gz")
    echo "INFO gzip -9 size $((n))"
    rm -f "$w/data" "$w/data.gz" "$w/data.out"
}

if [ "${1:-}" = "--expected" ]; then
    export LC_ALL=C
    t=$(mktemp -d)
    workload "$t"
    for l in $LABELS; do
        guest_content "$l" > "$t/g"
        echo "RESULT guestfile $l $(md5_of "$t/g")"
    done
    rm -rf "$t"
    exit 0
fi

# ---- from here on we are PID 1 in the guest ----
export PATH=/sbin:/bin:/usr/sbin:/usr/bin LC_ALL=C
# applet links (build-initramfs.sh makes them when it can run busybox)
[ -e /bin/mount ] || /bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo RSEMU-USERSPACE-UP

err() { echo "RESULT error $*"; }
stamp() { echo "INFO uptime $(cut -d' ' -f1 /proc/uptime) $*"; }

finish() {
    stamp "finishing"
    echo "LOG ---- kernel messages about devices ----"
    dmesg | grep -iE 'virtio|vd[a-z]|ext4|jbd2|random|rng|pci|error|fail|warn' | sed 's/^/LOG /'
    echo RSEMU-DONE
    sync
    poweroff -f
    # still here: try the kernel directly, and never let PID 1 exit (panic)
    echo o > /proc/sysrq-trigger 2>/dev/null
    while :; do sleep 1000; done
}

PHASE=none
VERBOSE=0
for w in $(cat /proc/cmdline); do
    case "$w" in
        rsemu.phase=*) PHASE=${w#rsemu.phase=} ;;
        rsemu.verbose=*) VERBOSE=${w#rsemu.verbose=} ;;
    esac
done
[ "$VERBOSE" != 0 ] || dmesg -n 1
KVER=$(uname -r)
echo "INFO kernel $KVER phase $PHASE"

mkdir -p /tmp /mnt
mount -t tmpfs -o size=64m tmpfs /tmp || err "mount-tmpfs"

# Modules, in load order (dependencies first), listed by build-initramfs.sh.
if [ -f /etc/rsemu-modules ]; then
    while read -r m; do
        [ -n "$m" ] || continue
        insmod "/lib/modules/$KVER/$m" || err "insmod $m"
    done < /etc/rsemu-modules
else
    err "no /etc/rsemu-modules"
fi
stamp "modules loaded"
echo "INFO modules $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
if [ -r /sys/class/misc/hw_random/rng_current ]; then
    echo "INFO hwrng $(cat /sys/class/misc/hw_random/rng_current)"
fi

stamp "workload start"
workload /tmp
stamp "workload done"

# The block device holding the ext4 labelled $1 (empty if none). The first
# search that finds nothing waits up to 3 s for late devices; later ones don't
# wait again (virtio-blk probes synchronously within insmod anyway).
WAIT=3
find_disk() {
    i=0
    while :; do
        d=$(findfs "LABEL=$1" 2>/dev/null)
        if [ -z "$d" ]; then
            # fallback: read s_volume_name (superblock at 1024, + 120) directly
            for b in /sys/block/vd*; do
                [ -e "$b" ] || continue
                dev=/dev/${b##*/}
                l=$(dd if="$dev" bs=1 skip=1144 count=16 2>/dev/null | tr -d '\000')
                [ "$l" = "$1" ] && d=$dev && break
            done
        fi
        if [ -n "$d" ] || [ $i -ge $WAIT ]; then
            echo "$d"
            return
        fi
        i=$((i + 1))
        sleep 1
    done
}

case "$PHASE" in
    none) ;;
    write|verify)
        echo "INFO block devices: $(ls /sys/block | tr '\n' ' ')"
        for l in $LABELS; do
            dev=$(find_disk "$l")
            WAIT=0
            if [ -z "$dev" ]; then
                echo "RESULT nodisk $l"
                continue
            fi
            echo "INFO $l is $dev"
            mnt=/mnt/$l
            mkdir -p "$mnt"
            if [ "$PHASE" = write ]; then opts=rw; else opts=ro; fi
            if ! mount -t ext4 -o "$opts" "$dev" "$mnt"; then
                err "mount $l $dev"
                continue
            fi
            if [ "$PHASE" = write ]; then
                if [ -f "$mnt/host.txt" ]; then
                    echo "RESULT hostfile $l $(md5_of "$mnt/host.txt")"
                else
                    err "no host.txt on $l"
                fi
                if guest_content "$l" > "$mnt/guest.txt"; then
                    sync
                else
                    err "write guest.txt on $l"
                fi
            else
                if [ -f "$mnt/guest.txt" ]; then
                    echo "RESULT guestfile $l $(md5_of "$mnt/guest.txt")"
                else
                    err "no guest.txt on $l"
                fi
            fi
            umount "$mnt" || err "umount $l"
        done
        ;;
    *) err "unknown rsemu.phase=$PHASE" ;;
esac

finish
