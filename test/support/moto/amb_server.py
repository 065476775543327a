"""moto in server mode as the AWS Managed Blockchain control plane of the AMB tests.

Starts moto (pinned in requirements.txt, installed by scripts/moto.sh) on a loopback port after
adjusting its managedblockchain model where it departs from the real service in ways the tests
depend on. Each adjustment says which gap it closes; nothing else of moto is changed.

  1. FrameworkVersion "2.2" (AMB's only Fabric version) is accepted; moto knows only "1.2".
  2. LogPublishingConfiguration may be omitted (optional in the API; moto answers 500 without it);
     a node keeps its StateDB, and UpdateNode/UpdateMember change the logging GetNode/GetMember show.
  3. Networks, members, proposals and invitations carry the fields the API returns and moto
     leaves out (Status, CreationDate, VpcEndpointServiceName, ExpirationDate, ProposedBy*,
     IsOwned); timestamps are datetimes, serialised by moto's model-driven serialiser.
  4. Networks, members and nodes are CREATING for WAYBILL_MOTO_CREATE_SECONDS (default 1) after
     creation, then AVAILABLE, as the real service reports them while it provisions.
  5. Several AWS accounts share one network, as AMB members do: the account of a request is the
     last 12 characters of its access key ID when they are digits (else moto's default), every
     account sees the one backend, ListNetworks lists the networks where the caller has a member,
     ListInvitations the invitations addressed to the caller, and only the invited account can
     accept an invitation (CreateMember). Votes must come from a member the caller owns.
  6. Accounts listed in WAYBILL_MOTO_CLOSED_ACCOUNTS (comma-separated) are refused CreateNetwork
     and CreateMember with AccessDeniedException, standing in for AMB's refusal of new customers
     since 2026-10-29 (the real wording is not published; the CLI does not depend on it).
  7. WAYBILL_MOTO_CA_ENDPOINT (host:port), when set, is every member's CaEndpoint: a real Fabric
     CA the test runs, so that `waybill aws connect` enrols for real.

Usage: python amb_server.py PORT
"""

import datetime
import json
import os
import re
import sys
import threading

from moto.core.utils import utcnow
from moto.managedblockchain import models, responses
from moto.managedblockchain.exceptions import (
    InvalidRequestException,
    ManagedBlockchainClientError,
)
from moto.server import main

SHARED_ACCOUNT = "000000000000"
CREATE_SECONDS = float(os.environ.get("WAYBILL_MOTO_CREATE_SECONDS", "1"))
CA_ENDPOINT = os.environ.get("WAYBILL_MOTO_CA_ENDPOINT", "")
CLOSED = {a.strip() for a in os.environ.get("WAYBILL_MOTO_CLOSED_ACCOUNTS", "").split(",") if a.strip()}
_caller = threading.local()


def caller() -> str:
    return getattr(_caller, "account", SHARED_ACCOUNT)


# 5. Account from the access key ID.
import moto.iam.models as iam_models  # noqa: E402

_default_account_from = iam_models.get_account_id_from


def _account_from(access_key: str) -> str:
    tail = access_key[-12:]
    return tail if re.fullmatch(r"\d{12}", tail) else _default_account_from(access_key)


iam_models.get_account_id_from = _account_from


def _backend(self):
    _caller.account = self.current_account
    return models.managedblockchain_backends[SHARED_ACCOUNT][self.region]


responses.ManagedBlockchainResponse.backend = property(_backend)

# 1. Fabric 2.2.
models.FRAMEWORKVERSIONS.append("2.2")


# 4. CREATING, then AVAILABLE; status stays settable for moto's own DELETED.
def _lifecycle_status(self):
    explicit = self.__dict__.get("_status")
    if explicit not in (None, "AVAILABLE"):
        return explicit
    born = self.__dict__.get("_born")
    if born is not None and utcnow() < born + datetime.timedelta(seconds=CREATE_SECONDS):
        return "CREATING"
    return "AVAILABLE"


def _set_status(self, value):
    self.__dict__["_status"] = value


def _with_lifecycle(cls, owned: bool) -> None:
    init = cls.__init__

    def __init__(self, *args, **kwargs):
        self.__dict__["_born"] = utcnow()
        if owned:
            self.__dict__["owner"] = caller()
        init(self, *args, **kwargs)
        if owned and CA_ENDPOINT:
            self.framework_attributes["Fabric"]["CaEndpoint"] = CA_ENDPOINT

    cls.__init__ = __init__
    cls.status = property(_lifecycle_status, _set_status)


_with_lifecycle(models.ManagedBlockchainMember, owned=True)
_with_lifecycle(models.ManagedBlockchainNode, owned=False)
models.ManagedBlockchainMember.member_status = property(lambda s: s.status)
models.ManagedBlockchainNode.node_status = property(lambda s: s.status)
models.ManagedBlockchainMember.is_owned = property(lambda s: s.owner == caller())
models.ManagedBlockchainMember.creation_date = property(lambda s: s.creationdate)

# 3. Fields moto leaves out.
Network = models.ManagedBlockchainNetwork
Network.creation_date = property(lambda s: s.creationdate)
Network.vpc_endpoint_service_name = property(
    lambda s: f"com.amazonaws.{s.region}.managedblockchain.{s.id.lower()}"
)
Network.status = property(_lifecycle_status)
_network_init = Network.__init__


def _network_init_born(self, *args, **kwargs):
    self.__dict__["_born"] = utcnow()
    _network_init(self, *args, **kwargs)


Network.__init__ = _network_init_born

Proposal = models.ManagedBlockchainProposal
Proposal.creation_date = property(lambda s: s.creationdate)
Proposal.expiration_date = property(lambda s: s.expirationdate)
Proposal.proposed_by_member_id = property(lambda s: s.memberid)
Proposal.proposed_by_member_name = property(lambda s: s.membername)
# The serialiser looks up Actions by its shape name first (ProposalActions → proposal_actions),
# which finds moto's method of that name and writes {}.
Proposal.ProposalActions = property(lambda s: s.actions)
Invitation = models.ManagedBlockchainInvitation
Invitation.invitation_id = property(lambda s: s.id)
models.ManagedBlockchainNetworkSummary.framework_version = property(lambda s: s.framework_workversion)
Invitation.creation_date = property(lambda s: s.creationdate)
Invitation.expiration_date = property(lambda s: s.expirationdate)

Backend = models.ManagedBlockchainBackend


def _refuse_closed(operation: str) -> None:
    if caller() in CLOSED:
        raise ManagedBlockchainClientError(
            "AccessDeniedException",
            f"Amazon Managed Blockchain does not accept new customers ({operation} refused for account {caller()}).",
        )


# 2. Optional LogPublishingConfiguration, and 6. refusal of closed accounts.
_create_network = Backend.create_network


def create_network(self, name, framework, frameworkversion, frameworkconfiguration, voting_policy, member_configuration, description=None):
    _refuse_closed("CreateNetwork")
    member_configuration.setdefault("LogPublishingConfiguration", {})
    return _create_network(self, name, framework, frameworkversion, frameworkconfiguration, voting_policy, member_configuration, description)


Backend.create_network = create_network
_create_member = Backend.create_member


def create_member(self, invitationid, networkid, member_configuration):
    _refuse_closed("CreateMember")
    member_configuration.setdefault("LogPublishingConfiguration", {})
    invitation = self.invitations.get(invitationid)
    if invitation is not None and getattr(invitation, "principal", caller()) != caller():
        raise InvalidRequestException("CreateMember", f"Invitation {invitationid} not valid")
    return _create_member(self, invitationid, networkid, member_configuration)


Backend.create_member = create_member


def create_node_response(self):
    network_id = responses.networkid_from_managedblockchain_url(self.path)
    member_id = responses.memberid_from_managedblockchain_request(self.uri, self.body)
    config = self._get_param("NodeConfiguration")
    created = self.backend.create_node(
        network_id,
        member_id,
        config["AvailabilityZone"],
        config["InstanceType"],
        config.get("LogPublishingConfiguration", {}),
    )
    # moto drops StateDB (LevelDB or CouchDB); GetNode returns it.
    self.backend.nodes[created["NodeId"]].state_db = config.get("StateDB", "LevelDB")
    return json.dumps(created)


responses.ManagedBlockchainResponse.create_node = create_node_response


def node_update(self, logpublishingconfiguration):
    # moto passes UpdateNode's raw body and stores it under another attribute name.
    body = json.loads(logpublishingconfiguration) if isinstance(logpublishingconfiguration, (str, bytes)) else logpublishingconfiguration
    self.log_publishing_configuration = body.get("LogPublishingConfiguration", {})


models.ManagedBlockchainNode.update = node_update


# 5. What each account sees and may do.
def list_networks(self):
    mine = {m.network_id for m in self.members.values() if m.owner == caller() and m.member_status != "DELETED"}
    return [n for n in self.networks.values() if n.id in mine]


Backend.list_networks = list_networks


def list_invitations(self):
    return [i for i in self.invitations.values() if getattr(i, "principal", None) == caller()]


Backend.list_invitations = list_invitations
_vote = Backend.vote_on_proposal


def vote_on_proposal(self, networkid, proposalid, votermemberid, vote):
    member = self.members.get(votermemberid)
    if member is not None and member.owner != caller():
        raise ManagedBlockchainClientError(
            "AccessDeniedException", f"Member {votermemberid} is not owned by account {caller()}."
        )
    before = set(self.invitations)
    _vote(self, networkid, proposalid, votermemberid, vote)
    new = [i for i in self.invitations if i not in before]
    principals = [a["Principal"] for a in self.proposals[proposalid].proposal_actions("Invitations")]
    for invitation_id, principal in zip(new, principals):
        self.invitations[invitation_id].principal = principal


Backend.vote_on_proposal = vote_on_proposal
_delete_member = Backend.delete_member


def delete_member(self, networkid, memberid):
    # moto removes a network only when every member of *every* network is gone.
    _delete_member(self, networkid, memberid)
    left = [m for m in self.members.values() if m.network_id == networkid and m.member_status != "DELETED"]
    if not left and networkid in self.networks:
        for invitation in self.invitations.values():
            if invitation.invitation_networkid == networkid:
                invitation.set_network_status("DELETED")
        del self.networks[networkid]


Backend.delete_member = delete_member


def _owner_only(name):
    original = getattr(responses.ManagedBlockchainResponse, name)

    def handler(self):
        backend = self.backend
        member_id = responses.memberid_from_managedblockchain_request(self.uri, self.body)
        member = backend.members.get(member_id)
        if member is not None and member.owner != caller():
            raise ManagedBlockchainClientError(
                "AccessDeniedException", f"Member {member_id} is not owned by account {caller()}."
            )
        return original(self)

    setattr(responses.ManagedBlockchainResponse, name, handler)


for _name in ("delete_member", "update_member", "create_node", "delete_node", "update_node"):
    _owner_only(_name)

if __name__ == "__main__":
    port = sys.argv[1] if len(sys.argv) > 1 else "5000"
    main(["-H", "127.0.0.1", "-p", port])
