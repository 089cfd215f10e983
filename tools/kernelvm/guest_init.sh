#!/bin/sh
# /init of the diagkit kernel VM (busybox sh). Prepares the host root, the vcan
# interfaces and the output ports, runs /ctl/job.sh in a chroot of the host's /,
# and reports through files in the control share /ctl (read by tools/kernelvm):
#   init-failed  why the guest could not start the command (never a command status)
#   kernel-release, tsc-khz, booted (command about to start), timed-out, rc
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
fail() {
    echo "vm-init: FAILED: $*" >/dev/console
    [ -n "$CTL" ] && echo "$*" >/ctl/init-failed.tmp && mv /ctl/init-failed.tmp /ctl/init-failed
    poweroff -f; sleep 5; exit 1
}
stamp() { read -r up _ </proc/uptime; echo "vm-init: ${up}s $*" >/dev/console; }
stamp "init started"
modprobe -a $(cat /etc/vm-modules) || fail "modprobe $(cat /etc/vm-modules)"
stamp "modules loaded"
O9P="trans=virtio,version=9p2000.L,msize=262144"
mount -t 9p -o "$O9P,cache=none" vmctl /ctl || fail "mount of the control share"
CTL=1
. /ctl/config
uname -r >/ctl/kernel-release
H=/host
# host / read-only underneath (9p), a VM-private RAM layer on top (discarded at exit)
mkdir -p /lower /rw
mount -t 9p -o "$O9P,ro,cache=loose" hostroot /lower || fail "mount of the host root"
mount -t tmpfs -o mode=755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work,xino=off overlay $H \
    || fail "overlay mount on the host root"
mount -t proc proc $H/proc || fail "mount of /proc"
mount -t sysfs sysfs $H/sys || fail "mount of /sys"
mount -t devtmpfs devtmpfs $H/dev || fail "mount of /dev"
mkdir -p $H/dev/pts $H/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $H/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $H/dev/shm
ln -sf /proc/self/fd $H/dev/fd
ln -sf /proc/self/fd/0 $H/dev/stdin
ln -sf /proc/self/fd/1 $H/dev/stdout
ln -sf /proc/self/fd/2 $H/dev/stderr
mount -t tmpfs -o mode=755 tmpfs $H/run || fail "mount of /run"
i=0
while [ -e /ctl/rw.$i ]; do
    p=$(cat /ctl/rw.$i)
    mkdir -p "$H$p" 2>/dev/null
    mount -t 9p -o "$O9P,rw,cache=mmap" rw$i "$H$p" || fail "mount of the read-write share $p"
    i=$((i+1))
done
stamp "filesystems mounted"
hostname vm
ip link set lo up
# busybox ip cannot create vcan links: use the host's iproute2 through the chroot
HIP="chroot $H /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin ip"
for spec in $VM_IFACES; do
    name=${spec%%:*}
    mtu=${spec##*:}
    $HIP link add dev "$name" type vcan || fail "ip link add dev $name type vcan"
    ip link set "$name" mtu "$mtu" || fail "ip link set $name mtu $mtu"
    ip link set "$name" up || fail "ip link set $name up"
done
stamp "network set up"
cp /ctl/job.sh $H/run/vm-job.sh || fail "copy of the job script"
# the command's stdout/stderr are pipes; forwarders copy them to the virtio-serial
# ports "out"/"err" (a 16550 UART is far slower under TCG)
port() {
    for n in /sys/class/virtio-ports/*/name; do
        [ "$(cat "$n")" = "$1" ] && { d=${n%/name}; echo "/dev/${d##*/}"; return; }
    done
    fail "virtio-serial port $1 not found"
}
po=$(port out)
pe=$(port err)
mkfifo /o /e
cat /o >"$po" &
co=$!
cat /e >"$pe" &
ce=$!
if [ "$VM_LEARN_TSC" = 1 ]; then
    dmesg | sed -n 's/.*tsc: Detected \([0-9]*\)\.\([0-9]*\) MHz.*/\1\2/p' | head -n 1 >/ctl/tsc-khz
fi
stamp "running command"
: >/ctl/booted
chroot $H /usr/bin/env -i /bin/bash /run/vm-job.sh </dev/null >/o 2>/e &
job=$!
# command timer: TERM, then KILL 5 s later; the marker tells the host why it ended
( sleep "$VM_TIMEOUT"; : >/ctl/timed-out; kill -TERM $job; sleep 5; kill -KILL $job ) 2>/dev/null &
wait $job
rc=$?
# end the timer and any leftover background process (they would hold the pipes open)
for p in /proc/[0-9]*; do
    p=${p#/proc/}
    case $p in 1|$co|$ce) ;; *) kill -9 "$p" 2>/dev/null ;; esac
done
wait $co $ce
stamp "command exited with $rc"
echo $rc >/ctl/rc.tmp && mv /ctl/rc.tmp /ctl/rc
sync
poweroff -f
