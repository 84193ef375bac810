#!/usr/bin/env bash
# Deploys $AGORA_IMAGE to one environment and waits until it is ready: the `staging` and
# `production` jobs of .github/workflows/ci.yml run it with the environment's settings.
#
#   DEPLOY_COMMAND      (variable, required) a shell command that deploys "$AGORA_IMAGE", e.g.
#                       ssh deploy@host "AGORA_IMAGE=$AGORA_IMAGE docker compose pull &&
#                       AGORA_IMAGE=$AGORA_IMAGE docker compose --profile scale up -d lb"
#                       or a platform's CLI (fly deploy --image "$AGORA_IMAGE", ...).
#   AGORA_BASE_URL      (variable, required) where the environment answers, e.g.
#                       https://staging.example.com; /health/ready must turn 200 there.
#   DEPLOY_SSH_KEY      (secret, optional) a private key, installed for ssh when set.
#   DEPLOY_KNOWN_HOSTS  (variable, optional) the host keys ssh may accept (`ssh-keyscan` once).
#   READY_TIMEOUT       seconds to wait for readiness (default 300).
set -euo pipefail

: "${AGORA_IMAGE:?AGORA_IMAGE: the image to deploy}"
: "${DEPLOY_COMMAND:?DEPLOY_COMMAND: set it in the environment's variables (README "Delivery pipeline")}"
: "${AGORA_BASE_URL:?AGORA_BASE_URL: set it in the environment's variables}"

if [[ -n "${DEPLOY_SSH_KEY:-}" ]]; then
  install -d -m 700 ~/.ssh
  printf '%s\n' "$DEPLOY_SSH_KEY" > ~/.ssh/id_deploy
  chmod 600 ~/.ssh/id_deploy
  printf 'IdentityFile ~/.ssh/id_deploy\nStrictHostKeyChecking yes\n' >> ~/.ssh/config
  printf '%s\n' "${DEPLOY_KNOWN_HOSTS:?DEPLOY_KNOWN_HOSTS: the host keys ssh may accept}" \
    >> ~/.ssh/known_hosts
fi

export AGORA_IMAGE
echo "deploying $AGORA_IMAGE"
bash -c "$DEPLOY_COMMAND"

deadline=$(( $(date +%s) + ${READY_TIMEOUT:-300} ))
until curl -fsS --max-time 5 -o /dev/null "${AGORA_BASE_URL%/}/health/ready"; do
  if (( $(date +%s) > deadline )); then
    echo "${AGORA_BASE_URL%/}/health/ready did not answer 200 in time" >&2
    exit 1
  fi
  sleep 5
done
echo "ready: ${AGORA_BASE_URL%/}"
