#!/bin/sh
# The tools image (issue 29): the field's own tools, from the host's Debian
# packages (fio, iperf3, sysbench; scripts/install-deps.sh), copied with
# their libraries into one OCI image built offline with umoci, plus
# vclab-toolrun (payload/toolrun.c, static) as its service. `vclab bench`
# runs it as a user's service in every placement (--scenarios
# cpu,membw,disk,net) and asks toolrun to run a tool inside.
#   DIR:tools   /vclab-toolrun 7070; /usr/bin/{fio,iperf3,sysbench};
#               /data/read.dat, 64 MiB of fixed pseudo-random bytes that
#               fio reads from the image's own storage (the overlay's lower
#               layer on the host for bare and ctr, the virtio-blk root
#               disk for vm); DIR/versions, the three packages' versions
# usage: build-tools-image.sh DIR TOOLRUN
set -eu
dir=$1
toolrun=$2
. "$(dirname "$0")/debimage.sh"
start tools /usr/bin/fio /usr/bin/iperf3 /usr/bin/sysbench "$toolrun"
r=$work/tools
base "$r"
copy "$r" /usr/bin/fio /usr/bin/iperf3 /usr/bin/sysbench
cp "$toolrun" "$r/vclab-toolrun"
mkdir -p "$r/data" "$r/scratch"
chmod 1777 "$r/scratch"
# Fixed bytes (the same image digest from every build), incompressible (a
# zero file would become a hole in the VM's ext4 disk and never be read).
openssl enc -aes-128-ctr -nosalt -pass pass:vclab-tools -pbkdf2 </dev/zero 2>/dev/null |
	head -c 67108864 >"$r/data/read.dat"
touch -d @0 "$r/data/read.dat"
image tools "$r"
umoci config --image "$dir:tools" --config.entrypoint /vclab-toolrun --config.cmd 7070 \
	--config.exposedports 7070/tcp --config.workingdir /scratch
dpkg-query -W -f '${Package} ${Version}\n' fio iperf3 sysbench >"$dir/versions"
