# Sourced by scripts/test and scripts/bench: make sure Debian's packages
# named in "$@" are installed, installing them when run as root.
# Exits 2 with the exact command to run when they are missing and we are
# not root.
vmb_need_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "vmbench needs these Debian packages: ${missing[*]}" >&2
		echo "Install them with:" >&2
		echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
		exit 2
	fi
	echo "Installing ${missing[*]} ..." >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq </dev/null >&2 || { echo "apt-get update failed" >&2; exit 2; }
	apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >&2 ||
		{ echo "apt-get install ${missing[*]} failed" >&2; exit 2; }
}

# The packages every build needs.
VMB_BUILD_PACKAGES=(gcc g++ libc6-dev meson ninja-build pkg-config libbenchmark-dev libpfm4-dev
	zlib1g-dev liblzma-dev libzstd-dev)

# Configure (once) and build the release tree in build/.
vmb_build_release() {
	if [ ! -f build/build.ninja ]; then
		meson setup build --buildtype=release >/dev/null ||
			{ echo "meson setup build failed" >&2; exit 1; }
	fi
	ninja -C build >/dev/null || { ninja -C build; exit 1; }
}
