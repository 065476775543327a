import { profileTopology } from '../../infra/src/local/context';
import { loadTopology, type Profile } from '../../infra/src/topology/topology';
import { env } from './fabric';

/**
 * MSP ids of the peer organisations of the profile's topology (three trading, one oversight):
 * `ManufacturerMSP`… on the standard network, AMB member IDs (`m-…`) on the amb one, so the same
 * suites assert the same answers on both.
 */
function mspIds(): { readonly M: string; readonly C: string; readonly R: string; readonly A: string } {
  const topology = loadTopology(profileTopology(env.profile as Profile));
  const of = (name: string): string => {
    const org = topology.peerOrgs.find((o) => o.name === name);
    if (!org) throw new Error(`the ${topology.profile} topology has no organisation ${name}`);
    return org.mspId;
  };
  return { M: of('Manufacturer'), C: of('Carrier'), R: of('Retailer'), A: of('Authority') };
}

export const MSP = mspIds();
