#!/usr/bin/env bash
#
# Start or stop the services the test suite needs.
#
#   scripts/services.sh start    start everything (idempotent), write
#                                target/test-services/env.sh
#   scripts/services.sh stop     stop exactly what `start` started
#   scripts/services.sh status   show what is running and the env file
#
# Then: source target/test-services/env.sh && cargo test ...
#
# Services: SecantusDB (MongoDB wire protocol, in memory), an SMTP sink that
# saves mail to target/test-services/mail, moto (S3 emulator), Redis and
# RabbitMQ (the machine's own when running, else installed/started here), and
# the node dependencies of tools/mongoose-compat. See scripts/lib/services.sh.

set -euo pipefail

HME_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export HME_ROOT

# shellcheck source=scripts/lib/services.sh
source "$HME_ROOT/scripts/lib/services.sh"

usage() {
    echo "usage: $0 start|stop|status" >&2
    exit 2
}

case "${1:-}" in
start) services_start ;;
stop) services_stop ;;
status) services_status ;;
*) usage ;;
esac
